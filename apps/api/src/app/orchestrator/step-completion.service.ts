import { Injectable } from '@nestjs/common';
import { JobLockRepository, type JobStepEntity, type LockedJob } from '@stroem/db';
import {
  isTerminalStepStatus,
  retryDelaySeconds,
  shouldRetry,
  type JsonValue,
  type RetryConfig,
} from '@stroem/workflow';
import { DispatchService } from '../dispatch/dispatch.service';
import { notFound } from '../errors/domain-errors';
import { JobLogService } from '../logs/job-log.service';
import { WorkspaceRegistry } from '../workspace/workspace-registry.service';
import { advanceJob, setStatus, type AdvanceOutcome } from './job-advance';
import { isTerminalJobStatus, jobHasEnded, recordStepOfCancelledJob } from './job-cancellation';
import { JobEndedService } from './job-ended.service';
import { RetryWakeup } from './retry-wakeup.service';

/** What a worker reports at the end of a step (`POST …/complete`). */
export interface StepReport {
  exit_code?: number | null;
  output?: JsonValue;
  error?: string | null;
}

function retryPolicy(row: JobStepEntity): RetryConfig | undefined {
  if (row.maxRetries === null) return undefined;
  return {
    max_attempts: row.maxRetries,
    delay: row.retryBackoffSecs ?? 30,
    backoff: row.retryStrategy === 'exponential' ? 'exponential' : 'fixed',
    jitter: row.retryJitter,
  };
}

/**
 * A step's end (reference §2.17.4): retry when its policy allows, otherwise record the outcome
 * and advance the job — all under the job's row lock.
 */
@Injectable()
export class StepCompletionService {
  constructor(
    private readonly locks: JobLockRepository,
    private readonly workspaces: WorkspaceRegistry,
    private readonly logs: JobLogService,
    private readonly wakeup: RetryWakeup,
    private readonly ended: JobEndedService,
    private readonly dispatch: DispatchService,
  ) {}

  async complete(jobId: string, stepName: string, report: StepReport): Promise<void> {
    const exitCode = report.exit_code ?? 0;
    const failed = exitCode !== 0 || (report.error !== undefined && report.error !== null);
    const error = failed ? (report.error ?? `Process exited with code ${exitCode}`) : undefined;
    await this.finish(jobId, stepName, { output: report.output ?? null, error, retry: true });
  }

  /** A failure decided by the server (template error…); no retry. */
  async fail(jobId: string, stepName: string, error: string): Promise<void> {
    await this.finish(jobId, stepName, { output: null, error, retry: false });
  }

  /**
   * A failure the recovery sweep decided (dead worker, timeout, no matching worker): retries
   * apply. `stillAsFound` re-checks the row under the job lock, so a sweep acting on a row that
   * moved meanwhile (or a second replica's sweep) changes nothing.
   */
  async failSwept(
    jobId: string,
    stepName: string,
    error: string,
    stillAsFound: (row: JobStepEntity) => boolean,
  ): Promise<void> {
    await this.finish(jobId, stepName, { output: null, error, retry: true, stillAsFound });
  }

  private async finish(
    jobId: string,
    stepName: string,
    outcome: {
      output: JsonValue;
      error?: string;
      retry: boolean;
      stillAsFound?: (row: JobStepEntity) => boolean;
    },
  ): Promise<void> {
    let retryAt: Date | null = null;
    let ended = false;
    let advanced: AdvanceOutcome | null = null;
    const done = await this.locks.withLockedJob(jobId, (locked) => {
      const row = locked.steps.find((s) => s.stepName === stepName);
      if (!row) throw notFound(`Step '${stepName}' not found in job ${jobId}`);
      if (isTerminalStepStatus(row.status)) return [];
      if (outcome.stillAsFound && !outcome.stillAsFound(row)) return [];
      const events: string[] = [];
      const now = new Date();
      if (locked.job.status === 'cancelled') {
        recordStepOfCancelledJob(row, now, outcome);
        ended = jobHasEnded(locked);
        return events;
      }
      if (outcome.error === undefined) {
        row.output = outcome.output;
        setStatus(row, 'completed', now);
      } else {
        // The recovery sweep decided this failure: say why in the job log (retried or not).
        if (outcome.stillAsFound) events.push(`[recovery] Step '${stepName}': ${outcome.error}`);
        const policy = outcome.retry ? retryPolicy(row) : undefined;
        if (policy && shouldRetry(policy, row.retryAttempt)) {
          retryAt = this.scheduleRetry(row, policy, outcome.error, now, events);
          return events;
        }
        if (policy)
          events.push(
            `[retry] Step '${stepName}' failed, retries exhausted (${row.retryAttempt}/${policy.max_attempts})`,
          );
        row.output = outcome.output;
        setStatus(row, 'failed', now, outcome.error);
        if (!outcome.retry) events.push(`Step '${stepName}': ${outcome.error}`);
      }
      const wasTerminal = isTerminalJobStatus(locked.job.status);
      advanced = this.advance(locked);
      ended = !wasTerminal && jobHasEnded(locked);
      return [...events, ...advanced.events];
    });
    if (!done.found) throw notFound(`Job ${jobId} not found`);
    for (const event of done.result) await this.logs.serverEvent(jobId, event);
    if (retryAt) this.wakeup.at(jobId, retryAt);
    if (advanced) await this.dispatch.afterAdvance(jobId, advanced);
    if (ended) await this.ended.jobEnded(jobId);
  }

  private scheduleRetry(
    row: JobStepEntity,
    policy: RetryConfig,
    error: string,
    now: Date,
    events: string[],
  ): Date {
    const delay = retryDelaySeconds(policy, row.retryAttempt);
    const attempt = row.retryAttempt + 1;
    row.retryHistory = [
      ...row.retryHistory,
      {
        attempt,
        error,
        started_at: row.startedAt?.toISOString() ?? null,
        failed_at: now.toISOString(),
      },
    ];
    row.retryAttempt = attempt;
    row.retryAt = new Date(now.getTime() + delay * 1000);
    row.workerId = null;
    row.startedAt = null;
    row.completedAt = null;
    row.output = null;
    row.errorMessage = null;
    setStatus(row, 'ready', now);
    events.push(
      `[retry] Step '${row.stepName}' attempt ${attempt}/${policy.max_attempts + 1} failed, retrying in ${Math.round(delay)}s`,
    );
    return row.retryAt;
  }

  private advance(locked: LockedJob): AdvanceOutcome {
    return advanceJob(locked, this.workspaces.get(locked.job.workspace)?.current?.config);
  }
}
