import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The durable log-archive marker on `job`: `log_archive_state` becomes `pending` in the same
 * UPDATE that claims a job's terminal actions, and stays so (surviving restarts) until the
 * archiver has uploaded the gzipped log (`archived`, with its key) or found none (`none`).
 */
export class JobLogArchive1767830400000 implements MigrationInterface {
  name = 'JobLogArchive1767830400000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE job
        ADD COLUMN log_archive_state text,
        ADD COLUMN log_archive_key text,
        ADD COLUMN log_archive_attempts integer NOT NULL DEFAULT 0,
        ADD COLUMN log_archive_next_at timestamptz,
        ADD COLUMN log_archive_error text,
        ADD COLUMN log_archived_at timestamptz,
        ADD CONSTRAINT chk_job_log_archive_state
          CHECK (log_archive_state IN ('pending', 'archived', 'none'))`);
    await q.query(
      `CREATE INDEX idx_job_log_archive_pending ON job (log_archive_next_at)
        WHERE log_archive_state = 'pending'`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX idx_job_log_archive_pending`);
    await q.query(`
      ALTER TABLE job
        DROP CONSTRAINT chk_job_log_archive_state,
        DROP COLUMN log_archive_state,
        DROP COLUMN log_archive_key,
        DROP COLUMN log_archive_attempts,
        DROP COLUMN log_archive_next_at,
        DROP COLUMN log_archive_error,
        DROP COLUMN log_archived_at`);
  }
}
