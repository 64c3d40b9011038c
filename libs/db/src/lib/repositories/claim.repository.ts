import type { JsonObject } from '@stroem/workflow';
import type { DataSource, EntityManager } from 'typeorm';
import { JobStepEntity } from '../entities/job-step.entity';
import { row } from '../row';
import { notifyStepReady } from '../step-ready-notice';

/** What a worker offers when it asks for work (from the claim request, not the worker row). */
export interface ClaimRequest {
  workerId: string;
  capabilities: string[];
  tags: string[];
  exclusive: boolean;
}

/** A step just claimed, with the job fields the claim response and rendering need. */
export interface ClaimedStep {
  step: JobStepEntity;
  workspace: string;
  taskName: string;
  revision: string | null;
  jobInput: JsonObject;
}

/** Action types the server runs itself; no worker ever claims them (agent is claimable, §5.3). */
export const SERVER_DISPATCHED_ACTION_TYPES = ['task', 'approval', 'event_source'];

/**
 * One statement: pick the oldest ready step this worker may run — retry delay passed, ability
 * in the worker's capabilities, the step's tags a subset of the worker's, and for an exclusive
 * worker its tags a subset of the step's — lock it, skipping rows other claims hold, and mark it
 * running. Two concurrent claims never get the same step.
 */
const CLAIM_SQL = `
UPDATE job_step s
   SET status = 'running', worker_id = $1, started_at = now()
  FROM job j
 WHERE j.job_id = s.job_id
   AND (s.job_id, s.step_name) = (
         SELECT c.job_id, c.step_name
           FROM job_step c
          WHERE c.status = 'ready'
            AND (c.retry_at IS NULL OR c.retry_at <= now())
            AND $2::jsonb @> jsonb_build_array(c.required_ability)
            AND c.required_tags <@ $3::jsonb
            AND (NOT $4::boolean OR $3::jsonb <@ c.required_tags)
            AND c.action_type <> ALL ($5::text[])
          ORDER BY c.ready_at NULLS FIRST, c.job_id, c.step_name
          LIMIT 1
            FOR UPDATE SKIP LOCKED)
RETURNING s.job_id, s.step_name, j.workspace, j.task_name, j.revision, j.input AS job_input`;

export class ClaimRepository {
  constructor(private readonly ds: DataSource) {}

  /**
   * One transaction: a connection lost half-way (the database restarting) rolls the claim back,
   * so the step stays ready instead of running for a worker that never heard of it.
   */
  claim(req: ClaimRequest): Promise<ClaimedStep | null> {
    return this.ds.transaction((manager) => this.claimIn(manager, req));
  }

  private async claimIn(manager: EntityManager, req: ClaimRequest): Promise<ClaimedStep | null> {
    const result = await manager.query(CLAIM_SQL, [
      req.workerId,
      JSON.stringify(req.capabilities),
      JSON.stringify(req.tags),
      req.exclusive,
      SERVER_DISPATCHED_ACTION_TYPES,
    ]);
    const rows = result[0] as {
      job_id: string;
      step_name: string;
      workspace: string;
      task_name: string;
      revision: string | null;
      job_input: JsonObject | null;
    }[];
    if (rows.length === 0) return null;
    const row = rows[0];
    await manager.query(
      `UPDATE job SET status = 'running', worker_id = $2, started_at = COALESCE(started_at, now())
        WHERE job_id = $1 AND status = 'pending'`,
      [row.job_id, req.workerId],
    );
    const step = await manager
      .getRepository(JobStepEntity)
      .findOneOrFail({ where: { jobId: row.job_id, stepName: row.step_name } });
    return {
      step,
      workspace: row.workspace,
      taskName: row.task_name,
      revision: row.revision,
      jobInput: row.job_input ?? {},
    };
  }

  /**
   * Gives a claimed step back (its worker's long-poll connection closed before the answer
   * reached it): ready again for any worker, unless something else already moved it.
   */
  async release(jobId: string, stepName: string, workerId: string): Promise<boolean> {
    return this.ds.transaction(async (manager) => {
      const result = await manager.query(
        `UPDATE job_step SET status = 'ready', worker_id = NULL, started_at = NULL, ready_at = now()
          WHERE job_id = $1 AND step_name = $2 AND status = 'running' AND worker_id = $3`,
        [jobId, stepName, workerId],
      );
      const released = (result[1] as number) > 0;
      if (released) await notifyStepReady(manager, jobId);
      return released;
    });
  }

  /**
   * A worker's heartbeat lists the steps it runs. Its `running` steps missing from the list and
   * claimed more than `graceSecs` ago never reached it — the claim's answer was lost (a replica
   * died after committing it): they go back to `ready`. Returns them.
   */
  async releaseUnknownToWorker(
    workerId: string,
    running: ReadonlyArray<{ jobId: string; stepName: string }>,
    graceSecs: number,
  ): Promise<Array<{ jobId: string; stepName: string }>> {
    return this.ds.transaction(async (manager) => {
      const [rows] = (await manager.query(
        `UPDATE job_step s
            SET status = 'ready', worker_id = NULL, started_at = NULL, ready_at = now()
          WHERE s.worker_id = $1 AND s.status = 'running'
            AND s.started_at < now() - $2 * interval '1 second'
            AND NOT EXISTS (
              SELECT 1 FROM unnest($3::uuid[], $4::text[]) AS r(job_id, step_name)
               WHERE r.job_id = s.job_id AND r.step_name = s.step_name)
          RETURNING s.job_id, s.step_name`,
        [workerId, graceSecs, running.map((r) => r.jobId), running.map((r) => r.stepName)],
      )) as [{ job_id: string; step_name: string }[], number];
      for (const jobId of new Set(rows.map((r) => r.job_id))) await notifyStepReady(manager, jobId);
      return rows.map((r) => ({ jobId: r.job_id, stepName: r.step_name }));
    });
  }

  /** Wakes parked claims everywhere (e.g. when a retry delay has passed). */
  async announceReady(jobId: string): Promise<void> {
    await notifyStepReady(this.ds.manager, jobId);
  }

  /**
   * The prepared action input replaces the flow step's input map (the job detail then shows
   * what the step ran with). The rendered action is only sent, never stored: it may hold secrets.
   */
  async savePreparedInput(jobId: string, stepName: string, input: JsonObject): Promise<void> {
    await this.ds.getRepository(JobStepEntity).update({ jobId, stepName }, row({ input }));
  }
}
