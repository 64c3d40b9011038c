import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `event_source_consumer`: one row per event_source trigger — its current consumer job, the
 * fingerprint it was created with and its restart bookkeeping. Reconcile acts on this job
 * only (never on emitted target jobs, upstream bug 4) and keeps the state forever (a
 * `never` / `on_failure` policy is honoured past any time window, upstream bug 6).
 */
export class EventSourceConsumers1767571200000 implements MigrationInterface {
  name = 'EventSourceConsumers1767571200000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE event_source_consumer (
        workspace             text NOT NULL,
        trigger_key           text NOT NULL,
        fingerprint           text NOT NULL,
        job_id                uuid,
        consecutive_failures  integer NOT NULL DEFAULT 0,
        counted_job_id        uuid,
        restart_at            timestamptz,
        updated_at            timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (workspace, trigger_key)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE event_source_consumer`);
  }
}
