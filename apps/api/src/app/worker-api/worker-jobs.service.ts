import { Injectable } from '@nestjs/common';
import { JobRepository } from '@stroem/db';
import { notFound, requireJobId } from '../errors/domain-errors';
import { JobLogService } from '../logs/job-log.service';
import { StepCompletionService, type StepReport } from '../orchestrator/step-completion.service';
import type { LogsBody } from './worker-requests';

/** What a worker reports about a claimed step: start, log lines, completion; cancellation. */
@Injectable()
export class WorkerJobsService {
  constructor(
    private readonly jobs: JobRepository,
    private readonly completion: StepCompletionService,
    private readonly logs: JobLogService,
  ) {}

  async start(jobId: string, stepName: string, workerId: string): Promise<void> {
    const id = requireJobId(jobId);
    if (!(await this.jobs.markStepStarted(id, stepName, workerId))) {
      await this.requireJob(id);
      throw notFound(`Step '${stepName}' of job ${id} is not claimable or running`);
    }
  }

  async complete(jobId: string, stepName: string, report: StepReport): Promise<void> {
    await this.completion.complete(requireJobId(jobId), stepName, report);
  }

  async appendLogs(jobId: string, body: LogsBody): Promise<void> {
    const id = requireJobId(jobId);
    await this.requireJob(id);
    await this.logs.append(id, body.stepName, body.lines);
  }

  async isCancelled(jobId: string): Promise<boolean> {
    return (await this.requireJob(requireJobId(jobId))).status === 'cancelled';
  }

  private async requireJob(id: string) {
    const job = await this.jobs.find(id);
    if (!job) throw notFound(`Job ${id} not found`);
    return job;
  }
}
