import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { WorkerEntity } from '../entities/worker.entity';
import { visibleJobCondition, visibleTaskParams, type VisibleTasks } from './visible-tasks';

export interface WorkerRegistration {
  name: string;
  capabilities: string[];
  tags: string[];
  exclusive: boolean;
  version: string | null;
}

/** A step a worker ran, with its job (`GET /api/workers/{id}`). */
export interface WorkerStepRow {
  job_id: string;
  workspace: string;
  task_name: string;
  job_status: string;
  step_name: string;
  action_type: string;
  status: string;
  started_at: Date | null;
  completed_at: Date | null;
  error_message: string | null;
}

export class WorkerRepository {
  constructor(private readonly ds: DataSource) {}

  /** Every registration is a new worker row with a new id, as upstream. */
  async register(reg: WorkerRegistration): Promise<string> {
    const workerId = randomUUID();
    await this.ds.getRepository(WorkerEntity).insert({
      workerId,
      name: reg.name,
      capabilities: reg.capabilities,
      tags: reg.tags,
      exclusive: reg.exclusive,
      version: reg.version,
      status: 'active',
      lastHeartbeat: new Date(),
    });
    return workerId;
  }

  /** Marks the worker alive (and active again); false when no such worker exists. */
  async heartbeat(workerId: string): Promise<boolean> {
    const result = await this.ds
      .getRepository(WorkerEntity)
      .update({ workerId }, { lastHeartbeat: () => 'now()', status: 'active' });
    return (result.affected ?? 0) > 0;
  }

  async exists(workerId: string): Promise<boolean> {
    return this.ds.getRepository(WorkerEntity).exists({ where: { workerId } });
  }

  async list(limit: number, offset: number): Promise<{ items: WorkerEntity[]; total: number }> {
    const [items, total] = await this.ds.getRepository(WorkerEntity).findAndCount({
      order: { registeredAt: 'DESC', workerId: 'ASC' },
      take: limit,
      skip: offset,
    });
    return { items, total };
  }

  async find(workerId: string): Promise<WorkerEntity | null> {
    return this.ds.getRepository(WorkerEntity).findOne({ where: { workerId } });
  }

  /** The worker's latest steps, newest first; `visible` as in JobListFilter. */
  async steps(
    workerId: string,
    limit: number,
    visible?: VisibleTasks,
  ): Promise<{ items: WorkerStepRow[]; total: number }> {
    const params: unknown[] = [workerId];
    let where = 's.worker_id = $1';
    if (visible !== undefined) {
      params.push(...visibleTaskParams(visible));
      where += ` AND ${visibleJobCondition('j', '$2', '$3')}`;
    }
    const from = `FROM job_step s JOIN job j ON j.job_id = s.job_id WHERE ${where}`;
    const items: WorkerStepRow[] = await this.ds.query(
      `SELECT s.job_id, j.workspace, j.task_name, j.status AS job_status, s.step_name,
              s.action_type, s.status, s.started_at, s.completed_at, s.error_message
         ${from}
        ORDER BY s.started_at DESC NULLS LAST, s.job_id, s.step_name
        LIMIT ${Math.max(0, Math.trunc(limit))}`,
      params,
    );
    const [{ total }]: { total: number }[] = await this.ds.query(
      `SELECT count(*)::int AS total ${from}`,
      params,
    );
    return { items, total };
  }
}
