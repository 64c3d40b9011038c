import { randomUUID } from 'node:crypto';
import type { JsonObject } from '@stroem/workflow';
import type { DataSource } from 'typeorm';

const ACTIVE = `('pending', 'running')`;

/** The skipped job a `concurrency: skip` trigger records instead of running (no steps). */
export interface SkippedJob {
  workspace: string;
  taskName: string;
  mode: string;
  input: JsonObject;
  sourceType: string;
  sourceId: string;
  revision: string | null;
}

/** The scheduler's queries (reference §2.17.13): slot claims, catch-up state, active jobs. */
export class SchedulerRepository {
  constructor(private readonly ds: DataSource) {}

  /**
   * Claims `slot` of a trigger: true when no replica fired this or a later slot before. The one
   * conditional upsert makes each slot fire at most once across replicas.
   */
  async claimSlot(workspace: string, trigger: string, slot: Date): Promise<boolean> {
    const rows: unknown[] = await this.ds.query(
      `INSERT INTO scheduler_trigger_state (workspace, trigger_name, last_fired_at)
       VALUES ($1, $2, $3)
       ON CONFLICT (workspace, trigger_name) DO UPDATE SET last_fired_at = EXCLUDED.last_fired_at
       WHERE scheduler_trigger_state.last_fired_at < EXCLUDED.last_fired_at
       RETURNING 1`,
      [workspace, trigger, slot],
    );
    return rows.length > 0;
  }

  /** The last slot each trigger fired for, keyed `<workspace>/<trigger>`. */
  async lastFired(): Promise<Map<string, Date>> {
    const rows: { workspace: string; trigger_name: string; last_fired_at: Date }[] =
      await this.ds.query(
        `SELECT workspace, trigger_name, last_fired_at FROM scheduler_trigger_state`,
      );
    return new Map(rows.map((r) => [`${r.workspace}/${r.trigger_name}`, r.last_fired_at]));
  }

  /** Pending or running jobs created by one source, oldest first. */
  async activeJobIds(sourceType: string, sourceId: string): Promise<string[]> {
    const rows: { job_id: string }[] = await this.ds.query(
      `SELECT job_id FROM job WHERE source_type = $1 AND source_id = $2 AND status IN ${ACTIVE}
       ORDER BY created_at`,
      [sourceType, sourceId],
    );
    return rows.map((r) => r.job_id);
  }

  /** Inserts a bare `skipped` job (no steps); returns its id. */
  async insertSkippedJob(job: SkippedJob): Promise<string> {
    const jobId = randomUUID();
    await this.ds.query(
      `INSERT INTO job (job_id, workspace, task_name, mode, input, raw_input, status, source_type,
                        source_id, revision, created_at, completed_at, terminal_actions_at)
       VALUES ($1, $2, $3, $4, $5, $5, 'skipped', $6, $7, $8, now(), now(), now())`,
      [
        jobId,
        job.workspace,
        job.taskName,
        job.mode,
        JSON.stringify(job.input),
        job.sourceType,
        job.sourceId,
        job.revision,
      ],
    );
    return jobId;
  }
}
