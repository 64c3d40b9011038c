import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnModuleDestroy,
} from '@nestjs/common';
import {
  RecoveryRepository,
  SERVER_DISPATCHED_ACTION_TYPES,
  type JobStepEntity,
  type SweptStep,
} from '@stroem/db';
import { SERVER_CONFIG, type ServerConfig } from '../config/server-config';
import { LeaderElection } from '../leadership/leader-election.service';
import { errorText } from '../orchestrator/job-advance';
import { JobCancellationService } from '../orchestrator/job-cancellation.service';
import { JobEndedService } from '../orchestrator/job-ended.service';
import { StepCompletionService } from '../orchestrator/step-completion.service';

export const UNMATCHED_STEP_ERROR =
  'No active worker with required capability/tags to run this step';

/**
 * How long after its end a job's terminal actions (hooks, task retry, parent propagation) may
 * still be on their way from the process that ended it, before the sweep runs them itself.
 */
export const TERMINAL_ACTIONS_GRACE_SECS = 30;

/** What one sweep did, for logs and tests. */
export interface SweepReport {
  inactiveWorkers: string[];
  failedSteps: number;
  cancelledJobs: number;
  /** Jobs whose lost terminal actions the sweep ran. */
  endedJobs: number;
}

const sameTime = (a: Date | null, b: Date | null) =>
  (a?.getTime() ?? null) === (b?.getTime() ?? null);

/**
 * The recovery sweep (reference §2.17.11), every `recovery.sweep_interval_secs`: silent workers
 * become inactive and their running steps fail; steps past their timeout fail; approvals past
 * theirs fail; jobs past theirs are cancelled; ready steps no active worker can run fail; jobs
 * that ended while their terminal actions were lost (a crash, a database outage) get them. Each
 * failure goes through normal orchestration, so retries apply. The timer sweeps only on the
 * leader (reference §1.18); each action still re-checks its row under the job lock, so two
 * sweeps of the same row (a leadership hand-over) change it once.
 */
@Injectable()
export class RecoverySweep implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(RecoverySweep.name);
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<SweepReport> | undefined;

  constructor(
    private readonly recovery: RecoveryRepository,
    private readonly completion: StepCompletionService,
    private readonly cancellation: JobCancellationService,
    private readonly jobEnded: JobEndedService,
    @Inject(SERVER_CONFIG) private readonly config: ServerConfig,
    private readonly leadership: LeaderElection,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => {
      if (!this.leadership.isLeader()) return;
      this.sweepOnce().catch((err) =>
        this.logger.error(`recovery sweep failed: ${errorText(err)}`),
      );
    }, this.config.recovery.sweep_interval_secs * 1000);
    this.timer.unref();
  }

  async onModuleDestroy(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running?.catch(() => undefined);
  }

  /** Whether the sweep timer is armed (`/healthz/detail`, `stroem_background_task_alive`). */
  get isRunning(): boolean {
    return this.timer !== undefined;
  }

  /** One sweep; a sweep already under way is joined rather than started twice. */
  sweepOnce(): Promise<SweepReport> {
    this.running ??= this.sweep().finally(() => (this.running = undefined));
    return this.running;
  }

  private async sweep(): Promise<SweepReport> {
    const settings = this.config.recovery;
    const report: SweepReport = {
      inactiveWorkers: [],
      failedSteps: 0,
      cancelledJobs: 0,
      endedJobs: 0,
    };

    report.inactiveWorkers = await this.recovery.deactivateStaleWorkers(
      settings.heartbeat_timeout_secs,
    );
    for (const id of report.inactiveWorkers)
      this.logger.warn(`Worker ${id} missed its heartbeats; marked inactive`);
    for (const step of await this.recovery.stepsOfInactiveWorkers()) {
      await this.failStep(
        step,
        `Worker heartbeat timeout (worker ${step.workerId} unresponsive)`,
        (row) => row.status === 'running' && row.workerId === step.workerId,
        report,
      );
    }
    for (const step of await this.recovery.timedOutRunningSteps()) {
      await this.failStep(
        step,
        'Step timed out (server-side enforcement)',
        (row) => row.status === 'running' && sameTime(row.startedAt, step.startedAt),
        report,
      );
    }
    for (const step of await this.recovery.timedOutSuspendedSteps()) {
      await this.failStep(step, 'Approval timed out', (row) => row.status === 'suspended', report);
    }
    for (const job of await this.recovery.timedOutJobs()) {
      const outcome = await this.cancellation.cancel(job.jobId, {
        kind: 'timeout',
        seconds: job.timeoutSecs,
      });
      if (outcome === 'cancelled') report.cancelledJobs++;
    }
    const unmatched = await this.recovery.unmatchedReadySteps(
      settings.unmatched_step_timeout_secs,
      SERVER_DISPATCHED_ACTION_TYPES,
    );
    for (const step of unmatched) {
      await this.failStep(step, UNMATCHED_STEP_ERROR, (row) => row.status === 'ready', report);
    }
    for (const jobId of await this.recovery.jobsAwaitingTerminalActions(
      TERMINAL_ACTIONS_GRACE_SECS,
    )) {
      // jobEnded claims the actions with one conditional UPDATE: they still run at most once.
      if (await this.jobEnded.jobEnded(jobId)) {
        this.logger.warn(`Job ${jobId} ended without its terminal actions; ran them now`);
        report.endedJobs++;
      }
    }
    return report;
  }

  private async failStep(
    step: SweptStep,
    error: string,
    stillAsFound: (row: JobStepEntity) => boolean,
    report: SweepReport,
  ): Promise<void> {
    try {
      let acted = false;
      await this.completion.failSwept(step.jobId, step.stepName, error, (row) => {
        acted = stillAsFound(row);
        return acted;
      });
      if (acted) {
        report.failedSteps++;
        this.logger.warn(`Job ${step.jobId}, step '${step.stepName}': ${error}`);
      }
    } catch (err) {
      this.logger.error(`Job ${step.jobId}, step '${step.stepName}': ${errorText(err)}`);
    }
  }
}
