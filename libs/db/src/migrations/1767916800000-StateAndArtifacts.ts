import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Task and workspace-global state snapshots (immutable tar.gz blobs, newest wins) and the files
 * steps leave in their artifacts folder. Blobs live in the blob stores; rows point at them.
 * `job_artifact.job_id` RESTRICTs deletion: a job's artifact blobs must go before its row.
 */
export class StateAndArtifacts1767916800000 implements MigrationInterface {
  name = 'StateAndArtifacts1767916800000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE task_state (
        id           uuid PRIMARY KEY,
        workspace    text NOT NULL,
        task_name    text NOT NULL,
        job_id       uuid REFERENCES job(job_id) ON DELETE SET NULL,
        storage_key  text NOT NULL,
        size_bytes   bigint NOT NULL CHECK (size_bytes >= 0),
        has_json     boolean NOT NULL DEFAULT false,
        created_at   timestamptz NOT NULL DEFAULT clock_timestamp()
      )`);
    await q.query(
      `CREATE INDEX task_state_latest_idx ON task_state (workspace, task_name, created_at DESC)`,
    );
    await q.query(`
      CREATE TABLE workspace_state (
        id               uuid PRIMARY KEY,
        workspace        text NOT NULL,
        job_id           uuid REFERENCES job(job_id) ON DELETE SET NULL,
        written_by_task  text,
        storage_key      text NOT NULL,
        size_bytes       bigint NOT NULL CHECK (size_bytes >= 0),
        has_json         boolean NOT NULL DEFAULT false,
        created_at       timestamptz NOT NULL DEFAULT clock_timestamp()
      )`);
    await q.query(
      `CREATE INDEX workspace_state_latest_idx ON workspace_state (workspace, created_at DESC)`,
    );
    await q.query(`
      CREATE TABLE job_artifact (
        id            uuid PRIMARY KEY,
        job_id        uuid NOT NULL REFERENCES job(job_id) ON DELETE RESTRICT,
        step_name     text NOT NULL,
        name          text NOT NULL,
        content_type  text NOT NULL,
        size_bytes    bigint NOT NULL CHECK (size_bytes >= 0 AND size_bytes <= 1099511627776),
        storage_key   text NOT NULL,
        created_at    timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT job_artifact_job_name_key UNIQUE (job_id, name)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE job_artifact`);
    await q.query(`DROP TABLE workspace_state`);
    await q.query(`DROP TABLE task_state`);
  }
}
