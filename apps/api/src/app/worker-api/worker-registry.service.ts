import { Injectable, Logger } from '@nestjs/common';
import { ClaimRepository, WorkerRepository } from '@stroem/db';
import { notFound } from '../errors/domain-errors';
import type { HeartbeatBody, RegisterRequest } from './worker-requests';

/**
 * How long a claimed step may be missing from its worker's heartbeat before the claim counts as
 * lost: well above the time a claim's answer takes to reach a live worker.
 */
export const LOST_CLAIM_GRACE_SECS = 30;

/** Worker registration and liveness. */
@Injectable()
export class WorkerRegistryService {
  private readonly logger = new Logger(WorkerRegistryService.name);

  constructor(
    private readonly workers: WorkerRepository,
    private readonly claims: ClaimRepository,
  ) {}

  register(req: RegisterRequest): Promise<string> {
    return this.workers.register(req);
  }

  /**
   * 404 lets a worker the server forgot (new database) register again. A heartbeat that lists
   * the worker's running steps also gives back the steps claimed for it that it never got.
   */
  async heartbeat(body: HeartbeatBody): Promise<void> {
    const { workerId, runningSteps } = body;
    if (!(await this.workers.heartbeat(workerId))) throw notFound(`Worker ${workerId} not found`);
    if (!runningSteps) return;
    const released = await this.claims.releaseUnknownToWorker(
      workerId,
      runningSteps,
      LOST_CLAIM_GRACE_SECS,
    );
    for (const step of released) {
      this.logger.warn(
        `Step '${step.stepName}' of job ${step.jobId} was claimed for worker ${workerId}, which never got it (the claim's answer was lost); it is ready again`,
      );
    }
  }

  async requireRegistered(workerId: string): Promise<void> {
    if (!(await this.workers.exists(workerId))) throw notFound(`Worker ${workerId} not found`);
  }
}
