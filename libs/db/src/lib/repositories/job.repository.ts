import type { JobStatus } from '@stroem/workflow';
import { JOB_STATUSES } from '@stroem/workflow';
import type { DataSource } from 'typeorm';
import { JobStepEntity } from '../entities/job-step.entity';
import { JobEntity } from '../entities/job.entity';
import { notifyJobCancelled } from '../job-cancelled-notice';
import { row } from '../row';
import { notifyStepReady } from '../step-ready-notice';
import { visibleJobCondition, visibleTaskParams, type VisibleTasks } from './visible-tasks';

export interface JobListFilter {
  workspace?: string;
  taskName?: string;
  status?: string;
  sourceType?: string;
  /** Case-insensitive substring of task name, workspace, source id or job id. */
  search?: string;
  /** ACL: only jobs of these tasks (hook jobs: of their parent's task); absent ⇒ all. */
  visible?: VisibleTasks;
  limit: number;
  offset: number;
}

export type JobStatusCounts = Record<JobStatus, number>;

export interface JobWithSteps {
  job: JobEntity;
  steps: JobStepEntity[];
}

function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/** Job rows: creation, lists, detail, counts. Orchestration goes through JobLockRepository. */
export class JobRepository {
  constructor(private readonly ds: DataSource) {}

  /** The job and all its step rows in one transaction; NOTIFY when a step starts ready. */
  async insert(job: JobEntity, steps: JobStepEntity[]): Promise<void> {
    await this.ds.transaction(async (manager) => {
      await manager.insert(JobEntity, row(job));
      if (steps.length > 0) await manager.insert(JobStepEntity, steps.map(row));
      if (steps.some((s) => s.status === 'ready')) await notifyStepReady(manager, job.jobId);
    });
  }

  /**
   * Workspace revisions that unfinished jobs still need: their own `revision`, and the
   * `action_revision` of cross-workspace steps owned by `workspace`.
   */
  async activeRevisions(workspace: string): Promise<string[]> {
    const rows: { revision: string }[] = await this.ds.query(
      `SELECT revision FROM job
        WHERE workspace = $1 AND revision IS NOT NULL
          AND status NOT IN ('completed', 'failed', 'cancelled', 'skipped')
       UNION
       SELECT s.action_revision FROM job_step s JOIN job j ON j.job_id = s.job_id
        WHERE s.action_workspace = $1 AND s.action_revision IS NOT NULL
          AND j.status NOT IN ('completed', 'failed', 'cancelled', 'skipped')`,
      [workspace],
    );
    return rows.map((r) => r.revision);
  }

  async find(jobId: string): Promise<JobEntity | null> {
    return this.ds.getRepository(JobEntity).findOne({ where: { jobId } });
  }

  async findWithSteps(jobId: string): Promise<JobWithSteps | null> {
    const job = await this.find(jobId);
    if (!job) return null;
    const steps = await this.ds.getRepository(JobStepEntity).find({ where: { jobId } });
    return { job, steps };
  }

  /** Newest first. */
  async list(filter: JobListFilter): Promise<{ items: JobEntity[]; total: number }> {
    const qb = this.ds.getRepository(JobEntity).createQueryBuilder('j');
    if (filter.workspace !== undefined) qb.andWhere('j.workspace = :ws', { ws: filter.workspace });
    if (filter.taskName !== undefined) qb.andWhere('j.task_name = :tn', { tn: filter.taskName });
    if (filter.status !== undefined) qb.andWhere('j.status = :st', { st: filter.status });
    if (filter.sourceType !== undefined)
      qb.andWhere('j.source_type = :stype', { stype: filter.sourceType });
    if (filter.search !== undefined && filter.search !== '') {
      qb.andWhere(
        `(j.task_name ILIKE :q OR j.workspace ILIKE :q OR j.source_id ILIKE :q OR j.job_id::text ILIKE :q)`,
        { q: `%${escapeLike(filter.search)}%` },
      );
    }
    if (filter.visible !== undefined) {
      const [visibleWs, visibleTask] = visibleTaskParams(filter.visible);
      qb.andWhere(visibleJobCondition('j', ':visibleWs', ':visibleTask'), {
        visibleWs,
        visibleTask,
      });
    }
    const [items, total] = await qb
      .orderBy('j.created_at', 'DESC')
      .addOrderBy('j.job_id', 'DESC')
      .take(filter.limit)
      .skip(filter.offset)
      .getManyAndCount();
    return { items, total };
  }

  /** `visible`: as in JobListFilter. */
  async countByStatus(visible?: VisibleTasks): Promise<JobStatusCounts> {
    const rows: { status: string; count: string }[] =
      visible === undefined
        ? await this.ds.query(`SELECT status, count(*) AS count FROM job GROUP BY status`)
        : await this.ds.query(
            `SELECT status, count(*) AS count FROM job j
              WHERE ${visibleJobCondition('j', '$1', '$2')} GROUP BY status`,
            visibleTaskParams(visible),
          );
    const counts = Object.fromEntries(JOB_STATUSES.map((s) => [s, 0])) as JobStatusCounts;
    for (const row of rows) {
      if (row.status in counts) counts[row.status as JobStatus] = Number(row.count);
    }
    return counts;
  }

  /** `start`: the worker began the step; a pending job becomes running. */
  async markStepStarted(jobId: string, stepName: string, workerId: string): Promise<boolean> {
    return this.ds.transaction(async (manager) => {
      const result = await manager.query(
        `UPDATE job_step SET status = 'running', worker_id = $3,
                started_at = COALESCE(started_at, now())
          WHERE job_id = $1 AND step_name = $2 AND status IN ('ready', 'running')`,
        [jobId, stepName, workerId],
      );
      await manager.query(
        `UPDATE job SET status = 'running', worker_id = $2, started_at = COALESCE(started_at, now())
          WHERE job_id = $1 AND status = 'pending'`,
        [jobId, workerId],
      );
      return (result[1] as number) > 0;
    });
  }

  /** Children (`type: task` sub-jobs) of a job that are still pending or running. */
  async activeChildJobIds(jobId: string): Promise<string[]> {
    const rows: { job_id: string }[] = await this.ds.query(
      `SELECT job_id FROM job WHERE parent_job_id = $1 AND status IN ('pending', 'running')`,
      [jobId],
    );
    return rows.map((r) => r.job_id);
  }

  /** Task-level retry: the failed job points at its retry; false when it already had one. */
  async linkRetryJob(jobId: string, retryJobId: string): Promise<boolean> {
    const result = await this.ds.query(
      `UPDATE job SET retry_job_id = $2 WHERE job_id = $1 AND retry_job_id IS NULL`,
      [jobId, retryJobId],
    );
    return (result[1] as number) > 0;
  }

  /** `NOTIFY stroem_job_cancelled` for every replica. */
  async announceCancelled(jobId: string): Promise<void> {
    await notifyJobCancelled(this.ds.manager, jobId);
  }

  async ping(): Promise<void> {
    await this.ds.query('SELECT 1');
  }
}
