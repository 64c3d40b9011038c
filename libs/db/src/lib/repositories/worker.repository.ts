import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { WorkerEntity } from '../entities/worker.entity';

export interface WorkerRegistration {
  name: string;
  capabilities: string[];
  tags: string[];
  exclusive: boolean;
  version: string | null;
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
}
