import type { DataSource } from 'typeorm';

/** A row of `event_source_consumer`. */
export interface EventSourceConsumerRow {
  workspace: string;
  triggerKey: string;
  fingerprint: string;
  jobId: string | null;
  consecutiveFailures: number;
  /** The ended consumer job whose outcome is already counted. */
  countedJobId: string | null;
  restartAt: Date | null;
}

interface RawRow {
  workspace: string;
  trigger_key: string;
  fingerprint: string;
  job_id: string | null;
  consecutive_failures: number;
  counted_job_id: string | null;
  restart_at: Date | null;
}

const toRow = (r: RawRow): EventSourceConsumerRow => ({
  workspace: r.workspace,
  triggerKey: r.trigger_key,
  fingerprint: r.fingerprint,
  jobId: r.job_id,
  consecutiveFailures: r.consecutive_failures,
  countedJobId: r.counted_job_id,
  restartAt: r.restart_at,
});

/** Event-source consumers (reference §2.17.9) and the in-flight count of their target jobs. */
export class EventSourceRepository {
  constructor(private readonly ds: DataSource) {}

  async all(): Promise<EventSourceConsumerRow[]> {
    const rows: RawRow[] = await this.ds.query(`SELECT * FROM event_source_consumer`);
    return rows.map(toRow);
  }

  async save(row: EventSourceConsumerRow): Promise<void> {
    await this.ds.query(
      `INSERT INTO event_source_consumer
         (workspace, trigger_key, fingerprint, job_id, consecutive_failures, counted_job_id, restart_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (workspace, trigger_key) DO UPDATE SET
         fingerprint = EXCLUDED.fingerprint, job_id = EXCLUDED.job_id,
         consecutive_failures = EXCLUDED.consecutive_failures,
         counted_job_id = EXCLUDED.counted_job_id, restart_at = EXCLUDED.restart_at,
         updated_at = now()`,
      [
        row.workspace,
        row.triggerKey,
        row.fingerprint,
        row.jobId,
        row.consecutiveFailures,
        row.countedJobId,
        row.restartAt,
      ],
    );
  }

  async remove(workspace: string, triggerKey: string): Promise<void> {
    await this.ds.query(
      `DELETE FROM event_source_consumer WHERE workspace = $1 AND trigger_key = $2`,
      [workspace, triggerKey],
    );
  }

  /** Whether this job is (or was) the consumer job of some event source. */
  async isConsumerJob(jobId: string): Promise<boolean> {
    const rows: unknown[] = await this.ds.query(
      `SELECT 1 FROM event_source_consumer WHERE job_id = $1`,
      [jobId],
    );
    return rows.length > 0;
  }

  /**
   * Pending + running target jobs of a source: `source_type = 'event_source'` jobs of that
   * `source_id` other than the consumer job itself.
   */
  async targetsInFlight(workspace: string, triggerKey: string): Promise<number> {
    const rows: { n: number }[] = await this.ds.query(
      `SELECT count(*)::int AS n FROM job j
        WHERE j.source_type = 'event_source' AND j.source_id = $3
          AND j.status IN ('pending', 'running')
          AND NOT EXISTS (SELECT 1 FROM event_source_consumer c
                           WHERE c.workspace = $1 AND c.trigger_key = $2 AND c.job_id = j.job_id)`,
      [workspace, triggerKey, `${workspace}/${triggerKey}`],
    );
    return rows[0]?.n ?? 0;
  }
}
