import type { DataSource } from 'typeorm';

/** An old terminal job retention is about to delete, with what lives outside its rows. */
export interface ExpiredJob {
  jobId: string;
  logArchiveKey: string | null;
}

const TERMINAL = `('completed', 'failed', 'cancelled', 'skipped')`;

/** The deletes of the retention pass (reference §1.19). */
export class RetentionRepository {
  constructor(private readonly ds: DataSource) {}

  /** Deletes inactive workers last seen more than `hours` ago; returns their ids. */
  async deleteInactiveWorkers(hours: number): Promise<string[]> {
    const [rows] = (await this.ds.query(
      `DELETE FROM worker
        WHERE status = 'inactive'
          AND COALESCE(last_heartbeat, registered_at) < now() - make_interval(hours => $1)
        RETURNING worker_id`,
      [hours],
    )) as [{ worker_id: string }[], number];
    return rows.map((r) => r.worker_id);
  }

  /** Up to `limit` terminal jobs that ended more than `days` ago, oldest first. */
  async expiredJobs(days: number, limit: number): Promise<ExpiredJob[]> {
    const rows: { job_id: string; log_archive_key: string | null }[] = await this.ds.query(
      `SELECT job_id, log_archive_key FROM job
        WHERE status IN ${TERMINAL}
          AND COALESCE(completed_at, created_at) < now() - make_interval(days => $1)
        ORDER BY COALESCE(completed_at, created_at)
        LIMIT $2`,
      [days, limit],
    );
    return rows.map((r) => ({ jobId: r.job_id, logArchiveKey: r.log_archive_key }));
  }

  /**
   * Storage keys of the jobs' artifacts, when the `job_artifact` table exists (its FK to `job`
   * is RESTRICT, so these rows must go — after their blobs — before the jobs).
   */
  async artifactKeys(jobIds: readonly string[]): Promise<string[]> {
    if (!(await this.hasArtifactTable())) return [];
    const rows: { storage_key: string }[] = await this.ds.query(
      `SELECT storage_key FROM job_artifact WHERE job_id = ANY($1::uuid[])`,
      [jobIds],
    );
    return rows.map((r) => r.storage_key);
  }

  /**
   * Deletes the jobs (steps cascade; sub-jobs, hook and retry jobs pointing at them keep
   * running with the reference set to NULL) and their artifact rows, in one transaction.
   */
  async deleteJobs(jobIds: readonly string[]): Promise<number> {
    if (jobIds.length === 0) return 0;
    const hasArtifacts = await this.hasArtifactTable();
    return this.ds.transaction(async (em) => {
      if (hasArtifacts)
        await em.query(`DELETE FROM job_artifact WHERE job_id = ANY($1::uuid[])`, [jobIds]);
      const [, count] = (await em.query(
        `DELETE FROM job WHERE job_id = ANY($1::uuid[]) AND status IN ${TERMINAL} RETURNING job_id`,
        [jobIds],
      )) as [unknown[], number];
      return count;
    });
  }

  private async hasArtifactTable(): Promise<boolean> {
    const rows: { t: string | null }[] = await this.ds.query(
      `SELECT to_regclass('job_artifact')::text AS t`,
    );
    return rows[0]?.t != null;
  }
}
