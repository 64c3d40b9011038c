import { Injectable } from '@nestjs/common';
import { JobLockRepository, JobRepository } from '@stroem/db';
import { JobLogService } from '../logs/job-log.service';
import { cancelJobRows, isTerminalJobStatus, jobHasEnded } from './job-cancellation';
import { JobEndedService } from './job-ended.service';

/** Why a job is cancelled; it decides the server event written to the job log. */
export type CancelReason =
  | { kind: 'user' }
  | { kind: 'timeout'; seconds: number }
  | { kind: 'parent'; parentJobId: string }
  | { kind: 'trigger'; sourceId: string };

export type CancelOutcome = 'cancelled' | 'not-found' | 'terminal';

function eventFor(reason: CancelReason): string {
  switch (reason.kind) {
    case 'user':
      return 'Job cancelled by user';
    case 'timeout':
      return `Job timed out after ${reason.seconds}s`;
    case 'parent':
      return `Job cancelled with its parent job ${reason.parentJobId}`;
    case 'trigger':
      return `Job cancelled by a new run of trigger '${reason.sourceId}' (concurrency: cancel_previous)`;
  }
}

/**
 * Cancellation (reference §2.17.10) by a user, a job timeout or a cancelled parent. Running
 * worker steps learn it from `GET /worker/jobs/{id}/cancelled` (the job row, so every replica
 * agrees) and the `stroem_job_cancelled` notice; the job's terminal actions run once nothing of
 * it runs any more — at once when no worker step was running.
 */
@Injectable()
export class JobCancellationService {
  constructor(
    private readonly locks: JobLockRepository,
    private readonly jobs: JobRepository,
    private readonly logs: JobLogService,
    private readonly ended: JobEndedService,
  ) {}

  async cancel(jobId: string, reason: CancelReason): Promise<CancelOutcome> {
    const done = await this.locks.withLockedJob(jobId, (locked) => {
      if (isTerminalJobStatus(locked.job.status)) return { cancelled: false, ended: false };
      cancelJobRows(locked, new Date());
      return { cancelled: true, ended: jobHasEnded(locked) };
    });
    if (!done.found) return 'not-found';
    if (!done.result.cancelled) return 'terminal';
    await this.logs.serverEvent(jobId, eventFor(reason));
    await this.jobs.announceCancelled(jobId);
    for (const child of await this.jobs.activeChildJobIds(jobId)) {
      await this.cancel(child, { kind: 'parent', parentJobId: jobId });
    }
    if (done.result.ended) await this.ended.jobEnded(jobId);
    return 'cancelled';
  }
}
