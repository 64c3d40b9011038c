import { Injectable, type OnModuleInit } from '@nestjs/common';
import { JobLineageRepository, JobRepository, type JobEntity } from '@stroem/db';
import type { HookEvent, JsonObject } from '@stroem/workflow';
import { DispatchService } from '../dispatch/dispatch.service';
import { MAX_TASK_DEPTH, nestingDepthError, type SuspendedStep } from '../dispatch/server-steps';
import { isUuid } from '../errors/domain-errors';
import { JobLogService } from '../logs/job-log.service';
import { errorText } from '../orchestrator/job-advance';
import { JobCreatorService } from '../orchestrator/job-creator.service';
import { JobEndedService, type JobEnding } from '../orchestrator/job-ended.service';
import { WorkspaceRegistry } from '../workspace/workspace-registry.service';
import {
  hookContext,
  hookJobRequest,
  selectHooks,
  suspendedHookContext,
  terminalHookEvent,
} from './hook-jobs';

/**
 * Hooks (reference §2.17.12): when a job has ended — after task-level retry, skipped when a
 * retry job was created — and when an approval step suspends. Each hook becomes a job with
 * `source_type: hook`; anything that goes wrong is written to the original job's log and never
 * changes that job. A hook job's own failure is reported there too.
 */
@Injectable()
export class HooksService implements OnModuleInit {
  constructor(
    private readonly ended: JobEndedService,
    private readonly dispatch: DispatchService,
    private readonly creator: JobCreatorService,
    private readonly jobs: JobRepository,
    private readonly lineage: JobLineageRepository,
    private readonly workspaces: WorkspaceRegistry,
    private readonly logs: JobLogService,
  ) {}

  onModuleInit(): void {
    this.ended.onJobEnded((ending) => this.jobEnded(ending));
    this.dispatch.onSuspended((jobId, step) => this.stepSuspended(jobId, step));
  }

  async jobEnded({ job, retryJobId }: JobEnding): Promise<void> {
    if (job.sourceType === 'hook') return this.reportHookJob(job);
    if (retryJobId !== null) return;
    const event = terminalHookEvent(job);
    if (event === null) return;
    const steps = (await this.jobs.findWithSteps(job.jobId))?.steps ?? [];
    await this.fire(job, event, hookContext(job, steps));
  }

  async stepSuspended(jobId: string, step: SuspendedStep): Promise<void> {
    const job = await this.jobs.find(jobId);
    if (!job) return;
    await this.fire(job, 'on_suspended', suspendedHookContext(job, step));
  }

  private async fire(job: JobEntity, event: HookEvent, context: JsonObject): Promise<void> {
    const config = this.workspaces.get(job.workspace)?.current?.config;
    if (!config) return;
    const hooks = selectHooks(job, event, config);
    if (hooks.length === 0) return;
    let depth: number;
    try {
      depth = (await this.lineage.nestingDepth(job.jobId)) + 1;
    } catch (err) {
      return this.logs.serverEvent(
        job.jobId,
        `[hooks] ${event} hooks could not start: ${errorText(err)}`,
      );
    }
    for (const hook of hooks) {
      try {
        if (depth >= MAX_TASK_DEPTH) throw new Error(nestingDepthError());
        const hookJobId = await this.creator.create(hookJobRequest(job, hook, context, config));
        await this.logs.serverEvent(
          job.jobId,
          `[hooks] ${event} hook '${hook.action}' started job ${hookJobId}`,
        );
      } catch (err) {
        await this.logs.serverEvent(
          job.jobId,
          `[hooks] ${event} hook '${hook.action}' could not start: ${errorText(err)}`,
        );
      }
    }
  }

  /** `[hooks] Hook '_hook:x' failed: <first step error>` on the job the hook was for. */
  private async reportHookJob(hookJob: JobEntity): Promise<void> {
    if (hookJob.status !== 'failed' || !hookJob.sourceId || !isUuid(hookJob.sourceId)) return;
    const steps = (await this.jobs.findWithSteps(hookJob.jobId))?.steps ?? [];
    const first = steps
      .filter((s) => s.status === 'failed' && s.errorMessage !== null)
      .sort((a, b) => (a.completedAt?.getTime() ?? 0) - (b.completedAt?.getTime() ?? 0))[0];
    const original = hookJob.sourceId.toLowerCase();
    if (!(await this.jobs.find(original))) return;
    await this.logs.serverEvent(
      original,
      `[hooks] Hook '${hookJob.taskName}' failed: ${first?.errorMessage ?? 'job failed'}`,
    );
  }
}
