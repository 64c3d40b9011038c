import type { DataSource } from 'typeorm';

/** A step the recovery sweep found; the guard fields let the failure check nothing moved since. */
export interface SweptStep {
  jobId: string;
  stepName: string;
  workerId: string | null;
  startedAt: Date | null;
}

export interface SweptJob {
  jobId: string;
  timeoutSecs: number;
}

interface StepRow {
  job_id: string;
  step_name: string;
  worker_id: string | null;
  started_at: Date | null;
}

const STEP_COLUMNS = `s.job_id, s.step_name, s.worker_id, s.started_at`;

function steps(rows: StepRow[]): SweptStep[] {
  return rows.map((r) => ({
    jobId: r.job_id,
    stepName: r.step_name,
    workerId: r.worker_id,
    startedAt: r.started_at,
  }));
}

/**
 * The recovery sweep's queries (reference §2.17.11). Every replica may sweep at once: worker
 * deactivation is one conditional UPDATE, and the rest only finds candidates — the orchestrator
 * acts on each under the job's row lock after checking the row has not moved meanwhile.
 */
export class RecoveryRepository {
  constructor(private readonly ds: DataSource) {}

  /** Active workers silent for longer than `timeoutSecs` become inactive; returns their ids. */
  async deactivateStaleWorkers(timeoutSecs: number): Promise<string[]> {
    const result = await this.ds.query(
      `UPDATE worker SET status = 'inactive'
        WHERE status = 'active' AND last_heartbeat < now() - $1 * interval '1 second'
        RETURNING worker_id`,
      [timeoutSecs],
    );
    return (result[0] as { worker_id: string }[]).map((r) => r.worker_id);
  }

  /** Running steps held by an inactive worker (also those an interrupted sweep left behind). */
  async stepsOfInactiveWorkers(): Promise<SweptStep[]> {
    return steps(
      await this.ds.query(
        `SELECT ${STEP_COLUMNS} FROM job_step s JOIN worker w ON w.worker_id = s.worker_id
          WHERE s.status = 'running' AND w.status = 'inactive'`,
      ),
    );
  }

  /** Worker steps running longer than their `timeout_secs`. */
  async timedOutRunningSteps(): Promise<SweptStep[]> {
    return steps(
      await this.ds.query(
        `SELECT ${STEP_COLUMNS} FROM job_step s
          WHERE s.status = 'running' AND s.worker_id IS NOT NULL
            AND s.timeout_secs IS NOT NULL AND s.started_at IS NOT NULL
            AND s.started_at + s.timeout_secs * interval '1 second' < now()`,
      ),
    );
  }

  /** Approval steps suspended longer than their flow step's timeout. */
  async timedOutSuspendedSteps(): Promise<SweptStep[]> {
    return steps(
      await this.ds.query(
        `SELECT ${STEP_COLUMNS} FROM job_step s
          WHERE s.status = 'suspended' AND s.timeout_secs IS NOT NULL AND s.suspended_at IS NOT NULL
            AND s.suspended_at + s.timeout_secs * interval '1 second' < now()`,
      ),
    );
  }

  /** Pending or running jobs older than their `timeout_secs` (the clock starts at creation). */
  async timedOutJobs(): Promise<SweptJob[]> {
    const rows: { job_id: string; timeout_secs: number }[] = await this.ds.query(
      `SELECT job_id, timeout_secs FROM job
        WHERE status IN ('pending', 'running') AND timeout_secs IS NOT NULL
          AND created_at + timeout_secs * interval '1 second' < now()`,
    );
    return rows.map((r) => ({ jobId: r.job_id, timeoutSecs: r.timeout_secs }));
  }

  /**
   * Jobs that ended more than `graceSecs` ago (and less than a day ago) whose terminal actions
   * never ran: the process that ended them died before it got to them, or lost the database.
   */
  async jobsAwaitingTerminalActions(graceSecs: number, limit = 100): Promise<string[]> {
    const rows = (await this.ds.query(
      `SELECT j.job_id FROM job j
        WHERE j.terminal_actions_at IS NULL
          AND j.status IN ('completed', 'failed', 'cancelled', 'skipped')
          AND COALESCE(j.completed_at, j.created_at) < now() - $1 * interval '1 second'
          AND COALESCE(j.completed_at, j.created_at) > now() - interval '1 day'
          AND NOT EXISTS (SELECT 1 FROM job_step s WHERE s.job_id = j.job_id AND s.status = 'running')
        ORDER BY COALESCE(j.completed_at, j.created_at)
        LIMIT $2`,
      [graceSecs, limit],
    )) as { job_id: string }[];
    return rows.map((r) => r.job_id);
  }

  /**
   * Worker steps claimable for longer than `waitSecs` (counted from `ready_at`, or from
   * `retry_at` when a retry delay holds them back) that no active worker could claim.
   */
  async unmatchedReadySteps(
    waitSecs: number,
    serverDispatchedTypes: readonly string[],
  ): Promise<SweptStep[]> {
    return steps(
      await this.ds.query(
        `SELECT ${STEP_COLUMNS} FROM job_step s
          WHERE s.status = 'ready' AND s.action_type <> ALL ($2::text[])
            AND GREATEST(s.ready_at, s.retry_at) < now() - $1 * interval '1 second'
            AND NOT EXISTS (
              SELECT 1 FROM worker w
               WHERE w.status = 'active'
                 AND w.capabilities @> jsonb_build_array(s.required_ability)
                 AND s.required_tags <@ w.tags
                 AND (NOT w.exclusive OR w.tags <@ s.required_tags))`,
        [waitSecs, [...serverDispatchedTypes]],
      ),
    );
  }
}
