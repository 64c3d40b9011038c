import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import {
  JobLineageRepository,
  JobLockRepository,
  JobRepository,
  type JobEntity,
  type LockedJob,
} from '@stroem/db';
import { JobLogService } from '../logs/job-log.service';
import { advanceJob, errorText, setStatus, type AdvanceOutcome } from '../orchestrator/job-advance';
import { isTerminalJobStatus, jobHasEnded } from '../orchestrator/job-cancellation';
import { JobCreatorService } from '../orchestrator/job-creator.service';
import { JobEndedService } from '../orchestrator/job-ended.service';
import { WorkspaceRegistry } from '../workspace/workspace-registry.service';
import type { JobDispatch } from './job-dispatch.token';
import {
  MAX_TASK_DEPTH,
  nestingDepthError,
  type ChildJobRequest,
  type SuspendedStep,
} from './server-steps';

/** Told when an approval step of a job has just been suspended (`on_suspended` hooks). */
export type SuspendedListener = (jobId: string, step: SuspendedStep) => Promise<void> | void;

/**
 * What follows an orchestration pass once its transaction has committed: a child job for each
 * `type: task` step just started (reference §2.17.7), the `on_suspended` listeners for each
 * approval step just suspended (§2.17.8), and — as a listener of the job's end — propagation of
 * a sub-job's outcome to its parent step (§2.17.4 step 6). Orchestration is recursive (a child's
 * end advances its parent, which may start more jobs), so the job creator and the job-ended
 * service are looked up lazily rather than injected.
 */
@Injectable()
export class DispatchService implements OnModuleInit, JobDispatch {
  private readonly logger = new Logger(DispatchService.name);
  private readonly suspendedListeners: SuspendedListener[] = [];

  constructor(
    private readonly locks: JobLockRepository,
    private readonly jobs: JobRepository,
    private readonly lineage: JobLineageRepository,
    private readonly workspaces: WorkspaceRegistry,
    private readonly logs: JobLogService,
    private readonly moduleRef: ModuleRef,
  ) {}

  onModuleInit(): void {
    this.ended().onJobEnded(({ job }) => this.propagateToParent(job));
  }

  onSuspended(listener: SuspendedListener): void {
    this.suspendedListeners.push(listener);
  }

  /** After a committed pass over `jobId`: start child jobs, announce suspended approvals. */
  async afterCreate(jobId: string, outcome: AdvanceOutcome): Promise<void> {
    await this.afterAdvance(jobId, outcome);
    if (outcome.terminal) await this.ended().jobEnded(jobId);
  }

  async afterAdvance(jobId: string, outcome: AdvanceOutcome): Promise<void> {
    for (const child of outcome.children) await this.startChild(jobId, child);
    for (const step of outcome.suspended) {
      for (const listener of this.suspendedListeners) {
        try {
          await listener(jobId, step);
        } catch (err) {
          this.logger.error(`Job ${jobId}: on_suspended listener failed: ${errorText(err)}`);
        }
      }
    }
  }

  /**
   * Changes a job under its row lock, advances it, commits, then does what follows (child
   * jobs, `on_suspended`, terminal actions). `change` may throw a domain error to abort; it
   * returns the server events to log. False when the job does not exist.
   */
  async update(jobId: string, change: (locked: LockedJob) => string[]): Promise<boolean> {
    const done = await this.locks.withLockedJob(jobId, (locked) => {
      const wasTerminal = isTerminalJobStatus(locked.job.status);
      const events = change(locked);
      const config = this.workspaces.get(locked.job.workspace)?.current?.config;
      const outcome = advanceJob(locked, config);
      return {
        events: [...events, ...outcome.events],
        outcome,
        ended: !wasTerminal && jobHasEnded(locked),
      };
    });
    if (!done.found) return false;
    for (const event of done.result.events) await this.logs.serverEvent(jobId, event);
    await this.afterAdvance(jobId, done.result.outcome);
    if (done.result.ended) await this.ended().jobEnded(jobId);
    return true;
  }

  private async startChild(parentJobId: string, child: ChildJobRequest): Promise<void> {
    let childJobId: string;
    try {
      const depth = (await this.lineage.nestingDepth(parentJobId)) + 1;
      if (depth >= MAX_TASK_DEPTH) throw new Error(nestingDepthError());
      const parent = await this.jobs.find(parentJobId);
      if (!parent) throw new Error(`parent job ${parentJobId} not found`);
      childJobId = await this.creator().create({
        workspace: parent.workspace,
        taskName: child.taskName,
        input: child.input,
        sourceType: 'task',
        sourceId: `${parentJobId}/${child.stepName}`,
        parent: { jobId: parentJobId, stepName: child.stepName, revision: parent.revision },
      });
    } catch (err) {
      const message = errorText(err);
      const error = message.startsWith('Maximum task nesting depth')
        ? message
        : `Failed to create child job: ${message}`;
      await this.settleTaskStep(parentJobId, child.stepName, { status: 'failed', error });
      return;
    }
    await this.logs.serverEvent(
      parentJobId,
      `Step '${child.stepName}': started child job ${childJobId} (task '${child.taskName}')`,
    );
  }

  /** A sub-job ended: its parent step takes its outcome, and the parent advances. */
  private async propagateToParent(job: JobEntity): Promise<void> {
    if (job.parentJobId === null || job.parentStepName === null) return;
    const outcome =
      job.status === 'completed'
        ? { status: 'completed' as const, output: job.output }
        : job.status === 'cancelled'
          ? { status: 'cancelled' as const, error: 'Child job cancelled' }
          : { status: 'failed' as const, error: `Child job ${job.jobId} failed` };
    await this.settleTaskStep(job.parentJobId, job.parentStepName, outcome);
  }

  private async settleTaskStep(
    jobId: string,
    stepName: string,
    outcome:
      | { status: 'completed'; output: JobEntity['output'] }
      | { status: 'failed' | 'cancelled'; error: string },
  ): Promise<void> {
    await this.update(jobId, (locked) => {
      const row = locked.steps.find((s) => s.stepName === stepName);
      if (!row || row.status !== 'running') return [];
      const now = new Date();
      if (outcome.status === 'completed') {
        row.output = outcome.output;
        setStatus(row, 'completed', now);
        return [];
      }
      setStatus(row, outcome.status, now, outcome.error);
      return outcome.status === 'failed' ? [`Step '${stepName}': ${outcome.error}`] : [];
    });
  }

  private creator(): JobCreatorService {
    return this.moduleRef.get(JobCreatorService, { strict: false });
  }

  private ended(): JobEndedService {
    return this.moduleRef.get(JobEndedService, { strict: false });
  }
}
