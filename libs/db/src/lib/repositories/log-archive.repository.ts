import type { DataSource } from 'typeorm';

/** A job whose log is due for archiving, leased to one archiver for a while. */
export interface PendingLogArchive {
  jobId: string;
  workspace: string;
  taskName: string;
  createdAt: Date;
  /** Attempts so far, this one included. */
  attempts: number;
}

/**
 * The log-archive marker on `job` (set pending with the terminal-actions claim, see
 * JobLineageRepository): lease due rows, record the outcome, find the archive of a job.
 */
export class LogArchiveRepository {
  constructor(private readonly ds: DataSource) {}

  /**
   * Leases up to `limit` due jobs for `leaseSecs`: their next attempt moves past the lease, so
   * another replica (or this one after a crash) picks them up only when the lease has run out.
   */
  async leaseDue(limit: number, leaseSecs: number): Promise<PendingLogArchive[]> {
    const [rows] = (await this.ds.query(
      `UPDATE job j
          SET log_archive_next_at = now() + make_interval(secs => $2),
              log_archive_attempts = j.log_archive_attempts + 1
         FROM (SELECT job_id FROM job
                WHERE log_archive_state = 'pending' AND log_archive_next_at <= now()
                ORDER BY log_archive_next_at
                LIMIT $1
                FOR UPDATE SKIP LOCKED) due
        WHERE j.job_id = due.job_id
        RETURNING j.job_id, j.workspace, j.task_name, j.created_at, j.log_archive_attempts`,
      [limit, leaseSecs],
    )) as [
      {
        job_id: string;
        workspace: string;
        task_name: string;
        created_at: Date;
        log_archive_attempts: number;
      }[],
      number,
    ];
    return rows.map((r) => ({
      jobId: r.job_id,
      workspace: r.workspace,
      taskName: r.task_name,
      createdAt: r.created_at,
      attempts: r.log_archive_attempts,
    }));
  }

  /** `key` null: there was no local log to archive. */
  async markArchived(jobId: string, key: string | null): Promise<void> {
    await this.ds.query(
      `UPDATE job SET log_archive_state = $2, log_archive_key = $3, log_archived_at = now(),
                      log_archive_next_at = NULL, log_archive_error = NULL
        WHERE job_id = $1 AND log_archive_state = 'pending'`,
      [jobId, key === null ? 'none' : 'archived', key],
    );
  }

  async markFailed(jobId: string, error: string, retryInSecs: number): Promise<void> {
    await this.ds.query(
      `UPDATE job SET log_archive_error = $2,
                      log_archive_next_at = now() + make_interval(secs => $3)
        WHERE job_id = $1 AND log_archive_state = 'pending'`,
      [jobId, error.slice(0, 2000), retryInSecs],
    );
  }

  /** The archive key of a job whose log was archived; null otherwise. */
  async archiveKey(jobId: string): Promise<string | null> {
    const rows: { log_archive_key: string | null }[] = await this.ds.query(
      `SELECT log_archive_key FROM job WHERE job_id = $1 AND log_archive_state = 'archived'`,
      [jobId],
    );
    return rows[0]?.log_archive_key ?? null;
  }

  /** State of a job's marker (tests, `/healthz/detail`). */
  async state(
    jobId: string,
  ): Promise<{ state: string | null; key: string | null; attempts: number; error: string | null }> {
    const rows: {
      log_archive_state: string | null;
      log_archive_key: string | null;
      log_archive_attempts: number;
      log_archive_error: string | null;
    }[] = await this.ds.query(
      `SELECT log_archive_state, log_archive_key, log_archive_attempts, log_archive_error
         FROM job WHERE job_id = $1`,
      [jobId],
    );
    const r = rows[0];
    return {
      state: r?.log_archive_state ?? null,
      key: r?.log_archive_key ?? null,
      attempts: r?.log_archive_attempts ?? 0,
      error: r?.log_archive_error ?? null,
    };
  }
}
