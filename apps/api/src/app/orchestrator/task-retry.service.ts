import { Injectable } from '@nestjs/common';
import { JobRepository, type JobEntity } from '@stroem/db';
import { retryDelaySeconds, type RetryConfig } from '@stroem/workflow';
import { JobLogService } from '../logs/job-log.service';
import { WorkspaceRegistry } from '../workspace/workspace-registry.service';
import { errorText } from './job-advance';
import { JobCreatorService } from './job-creator.service';

/**
 * Whether a terminal job gets a task-level retry (reference §2.17.4 step 6): a failed top-level
 * job — not a sub-job, not a hook job — whose task `retry.max_attempts` (copied to
 * `max_retries` at creation) allows another run. `max_attempts` counts retries after the first
 * run, as for steps. Its hooks wait for the final attempt.
 */
export function willRetryJob(job: JobEntity): boolean {
  return (
    job.status === 'failed' &&
    job.parentJobId === null &&
    job.sourceType !== 'hook' &&
    job.maxRetries !== null &&
    job.retryAttempt < job.maxRetries &&
    job.retryJobId === null
  );
}

/**
 * Task-level retry (fixes reference §5.3 #2, where it never triggers): a new job of the same task
 * and submitted input, `source_type: retry`, linked both ways, whose steps become claimable
 * after the task's retry delay (with its backoff).
 */
@Injectable()
export class TaskRetryService {
  constructor(
    private readonly jobs: JobRepository,
    private readonly creator: JobCreatorService,
    private readonly workspaces: WorkspaceRegistry,
    private readonly logs: JobLogService,
  ) {}

  /** Creates the retry job when the rules allow one; returns its id. */
  async retry(job: JobEntity): Promise<string | null> {
    if (!willRetryJob(job)) {
      if (job.status === 'failed' && job.maxRetries !== null && job.parentJobId === null)
        await this.logs.serverEvent(
          job.jobId,
          `[retry] Job attempt ${job.retryAttempt + 1}/${job.maxRetries + 1} failed, retries exhausted`,
        );
      return null;
    }
    const maxRetries = job.maxRetries as number;
    const task = this.workspaces.get(job.workspace)?.current?.config.tasks[job.taskName];
    const policy: RetryConfig = task?.retry ?? {
      max_attempts: maxRetries,
      delay: 30,
      backoff: 'fixed',
      jitter: false,
    };
    const delay = retryDelaySeconds(policy, job.retryAttempt);
    const attempt = job.retryAttempt + 1;
    let retryJobId: string;
    try {
      retryJobId = await this.creator.create({
        workspace: job.workspace,
        taskName: job.taskName,
        input: job.rawInput ?? job.input ?? {},
        sourceType: 'retry',
        sourceId: job.jobId,
        retryOf: {
          jobId: job.jobId,
          attempt,
          maxRetries,
          notBefore: new Date(Date.now() + delay * 1000),
        },
      });
    } catch (err) {
      await this.logs.serverEvent(
        job.jobId,
        `[retry] Job attempt ${attempt}/${maxRetries + 1} failed; the retry job could not be created: ${errorText(err)}`,
      );
      return null;
    }
    await this.jobs.linkRetryJob(job.jobId, retryJobId);
    await this.logs.serverEvent(
      job.jobId,
      `[retry] Job attempt ${attempt}/${maxRetries + 1} failed, retrying as job ${retryJobId} in ${Math.round(delay)}s`,
    );
    return retryJobId;
  }
}
