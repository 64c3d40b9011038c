import type { DataSource, EntityManager } from 'typeorm';
import { JobStepEntity } from '../entities/job-step.entity';
import { JobEntity } from '../entities/job.entity';
import { row } from '../row';
import { notifyStepReady } from '../step-ready-notice';

/** A job and its step rows, loaded under the job's row lock; change them in place. */
export interface LockedJob {
  job: JobEntity;
  /** Every step row; push new rows (loop instances) onto it. */
  steps: JobStepEntity[];
}

function snapshot(row: object): string {
  return JSON.stringify(row);
}

/**
 * Serialises orchestration per job: `SELECT … FOR UPDATE` on the job row, load its steps, let
 * the caller apply the rules, then write back exactly the rows that changed — all in one
 * transaction, so two completions of the same job never interleave. A NOTIFY goes out in the
 * same transaction when a step became ready.
 */
export class JobLockRepository {
  constructor(private readonly ds: DataSource) {}

  async withLockedJob<T>(
    jobId: string,
    apply: (locked: LockedJob) => Promise<T> | T,
  ): Promise<{ found: false } | { found: true; result: T }> {
    return this.ds.transaction(async (manager) => {
      const locked = await this.lock(manager, jobId);
      if (!locked) return { found: false as const };
      const jobBefore = snapshot(locked.job);
      const before = new Map(locked.steps.map((s) => [s.stepName, s]));
      const stepsBefore = new Map(locked.steps.map((s) => [s.stepName, snapshot(s)]));
      const wasReady = new Set(
        locked.steps.filter((s) => s.status === 'ready').map((s) => s.stepName),
      );

      const result = await apply(locked);

      if (snapshot(locked.job) !== jobBefore) {
        const { jobId: id, ...columns } = locked.job;
        await manager.update(JobEntity, { jobId: id }, row(columns));
      }
      const inserted = locked.steps.filter((s) => !before.has(s.stepName));
      if (inserted.length > 0) await manager.insert(JobStepEntity, inserted.map(row));
      for (const step of locked.steps) {
        const old = stepsBefore.get(step.stepName);
        if (old === undefined || old === snapshot(step)) continue;
        const { jobId: id, stepName, ...columns } = step;
        await manager.update(JobStepEntity, { jobId: id, stepName }, row(columns));
      }
      const becameReady = locked.steps.some(
        (s) => s.status === 'ready' && !wasReady.has(s.stepName),
      );
      if (becameReady) await notifyStepReady(manager, jobId);
      return { found: true as const, result };
    });
  }

  private async lock(manager: EntityManager, jobId: string): Promise<LockedJob | null> {
    const rows: { job_id: string }[] = await manager.query(
      `SELECT job_id FROM job WHERE job_id = $1 FOR UPDATE`,
      [jobId],
    );
    if (rows.length === 0) return null;
    const job = await manager.findOneOrFail(JobEntity, { where: { jobId } });
    const steps = await manager.find(JobStepEntity, { where: { jobId } });
    return { job, steps };
  }
}
