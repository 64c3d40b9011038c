import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `scheduler_trigger_state`: the last slot each scheduler trigger fired for. Claiming a slot is
 * one conditional upsert, so a slot fires at most once even if two replicas briefly both believe
 * they lead; `scheduler.catch_up: last` reads it to find a run missed while no server was up.
 * `job (source_type, source_id)` serves the concurrency checks of triggers.
 */
export class SchedulerTriggerState1767484800000 implements MigrationInterface {
  name = 'SchedulerTriggerState1767484800000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE scheduler_trigger_state (
        workspace      text NOT NULL,
        trigger_name   text NOT NULL,
        last_fired_at  timestamptz NOT NULL,
        PRIMARY KEY (workspace, trigger_name)
      )`);
    await q.query(
      `CREATE INDEX IF NOT EXISTS idx_job_source_active ON job (source_type, source_id) WHERE status IN ('pending', 'running')`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS idx_job_source_active`);
    await q.query(`DROP TABLE scheduler_trigger_state`);
  }
}
