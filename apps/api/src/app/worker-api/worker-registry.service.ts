import { Injectable } from '@nestjs/common';
import { WorkerRepository } from '@stroem/db';
import { notFound } from '../errors/domain-errors';
import type { RegisterRequest } from './worker-requests';

/** Worker registration and liveness. */
@Injectable()
export class WorkerRegistryService {
  constructor(private readonly workers: WorkerRepository) {}

  register(req: RegisterRequest): Promise<string> {
    return this.workers.register(req);
  }

  /** 404 lets a worker the server forgot (new database) register again. */
  async heartbeat(workerId: string): Promise<void> {
    if (!(await this.workers.heartbeat(workerId))) throw notFound(`Worker ${workerId} not found`);
  }

  async requireRegistered(workerId: string): Promise<void> {
    if (!(await this.workers.exists(workerId))) throw notFound(`Worker ${workerId} not found`);
  }
}
