import type { DataSource } from 'typeorm';

/** What `/metrics` reads at scrape time: a few cheap aggregate counts. */
export interface MetricsSnapshot {
  /** Workers with `status = 'active'` (the recovery sweep marks silent ones inactive). */
  workersActive: number;
  /** Non-terminal jobs by status (`pending`, `running`); absent statuses count 0. */
  jobsInFlight: Record<string, number>;
  /** Steps waiting for a worker (`status = 'ready'`, retry delays included). */
  stepsReady: number;
}

/** The SQL behind the Prometheus metrics. */
export class MetricsRepository {
  constructor(private readonly ds: DataSource) {}

  /**
   * Marks a terminal job's completion as counted: succeeds once per job (the conditional UPDATE
   * of `metrics_recorded_at`), whatever runs its terminal actions again. Returns the status then.
   */
  async recordJobCompletion(jobId: string): Promise<string | null> {
    const result = await this.ds.query(
      `UPDATE job SET metrics_recorded_at = now()
        WHERE job_id = $1 AND metrics_recorded_at IS NULL
          AND status IN ('completed', 'failed', 'cancelled', 'skipped')
        RETURNING status`,
      [jobId],
    );
    const rows = result[0] as { status: string }[];
    return rows[0]?.status ?? null;
  }

  async snapshot(): Promise<MetricsSnapshot> {
    const rows: { kind: string; status: string | null; n: number }[] = await this.ds.query(
      `SELECT 'workers' AS kind, NULL AS status, count(*)::int AS n
         FROM worker WHERE status = 'active'
       UNION ALL
       SELECT 'jobs', status, count(*)::int
         FROM job WHERE status IN ('pending', 'running') GROUP BY status
       UNION ALL
       SELECT 'ready', NULL, count(*)::int FROM job_step WHERE status = 'ready'`,
    );
    const snapshot: MetricsSnapshot = { workersActive: 0, jobsInFlight: {}, stepsReady: 0 };
    for (const r of rows) {
      if (r.kind === 'workers') snapshot.workersActive = r.n;
      else if (r.kind === 'ready') snapshot.stepsReady = r.n;
      else if (r.status) snapshot.jobsInFlight[r.status] = r.n;
    }
    return snapshot;
  }
}
