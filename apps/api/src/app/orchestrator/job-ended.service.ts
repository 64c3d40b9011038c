import { Inject, Injectable, Logger } from '@nestjs/common';
import { JobLineageRepository, type JobEntity } from '@stroem/db';
import {
  DEFAULT_LOG_ARCHIVE_TIMING,
  SERVER_CONFIG,
  type ServerConfig,
} from '../config/server-config';
import { errorText } from './job-advance';
import { isTerminalJobStatus } from './job-cancellation';
import { TaskRetryService } from './task-retry.service';

/** A job that has just ended, and the task-level retry created for it (if any). */
export interface JobEnding {
  job: JobEntity;
  /** Set when a retry job was created: the hooks of this attempt are skipped (§2.17.12). */
  retryJobId: string | null;
}

export type JobEndedListener = (ending: JobEnding) => Promise<void> | void;

/**
 * The terminal actions of a job, run once when it is terminal and nothing of it runs any more
 * (a cancelled job: when its last killed step has reported). Task-level retry first, then the
 * listeners other features register (hooks, parent propagation…), each isolated from the rest.
 */
@Injectable()
export class JobEndedService {
  private readonly logger = new Logger(JobEndedService.name);
  private readonly listeners: JobEndedListener[] = [];
  /** Set when a log archive is configured: the claim also marks the log for archiving. */
  private readonly archiveLogAfterSecs: number | undefined;

  constructor(
    private readonly lineage: JobLineageRepository,
    private readonly taskRetry: TaskRetryService,
    @Inject(SERVER_CONFIG) config: ServerConfig,
  ) {
    this.archiveLogAfterSecs = config.log_storage.archive
      ? (config.log_storage.archive_delay_secs ?? DEFAULT_LOG_ARCHIVE_TIMING.archive_delay_secs)
      : undefined;
  }

  onJobEnded(listener: JobEndedListener): void {
    this.listeners.push(listener);
  }

  /**
   * Never throws: the job's own outcome is already recorded. True when this call ran the
   * terminal actions (false: not terminal yet, a step still runs, or they already ran).
   */
  async jobEnded(jobId: string): Promise<boolean> {
    // The conditional UPDATE of `terminal_actions_at` lets exactly one caller through.
    const job = await this.lineage
      .claimTerminalActions(jobId, { archiveLogAfterSecs: this.archiveLogAfterSecs })
      .catch(() => null);
    if (!job || !isTerminalJobStatus(job.status)) return false;
    let retryJobId: string | null = null;
    try {
      retryJobId = await this.taskRetry.retry(job);
    } catch (err) {
      this.logger.error(`Job ${jobId}: task-level retry failed: ${errorText(err)}`);
    }
    for (const listener of this.listeners) {
      try {
        await listener({ job, retryJobId });
      } catch (err) {
        this.logger.error(`Job ${jobId}: a terminal action failed: ${errorText(err)}`);
      }
    }
    return true;
  }
}
