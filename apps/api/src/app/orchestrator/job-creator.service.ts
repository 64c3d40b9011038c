import { Inject, Injectable } from '@nestjs/common';
import { JobRepository } from '@stroem/db';
import {
  missingRequiredInputs,
  missingRequiredMessage,
  prepareJobInput,
  replayRerunSentinels,
  type JsonObject,
  type TaskDef,
} from '@stroem/workflow';
import { SERVER_CONFIG, type ServerConfig } from '../config/server-config';
import { JOB_DISPATCH, type JobDispatch } from '../dispatch/job-dispatch.token';
import { invalid, isUuid, notFound } from '../errors/domain-errors';
import { ServerMetrics } from '../health/server-metrics.service';
import { JobLogService } from '../logs/job-log.service';
import { WorkspaceRegistry } from '../workspace/workspace-registry.service';
import { advanceJob, errorText } from './job-advance';
import { RetryWakeup } from './retry-wakeup.service';
import { newJobRows, UnknownActionError } from './step-rows';

export interface JobRequest {
  workspace: string;
  taskName: string;
  input: JsonObject;
  sourceType: string;
  sourceId: string | null;
  /** Re-run: secret and connection fields sent as `••••••` take this job's raw values. */
  sourceJobId?: string;
  /**
   * Reject missing `required: true` inputs (after defaults). Only the API's execute asks for
   * it; triggers, webhooks, hooks and sub-jobs stay lenient like upstream (reference §6).
   */
  enforceRequired?: boolean;
  /** Task-level retry: the failed job, this run's attempt number, and when its steps may start. */
  retryOf?: { jobId: string; attempt: number; maxRetries: number; notBefore: Date };
  /** A sub-job: the parent job and its `type: task` step (`step[i]` for a loop instance). */
  parent?: { jobId: string; stepName: string; revision: string | null };
  /** A synthetic task instead of looking `taskName` up (hook jobs `_hook:<action>`). */
  task?: TaskDef;
}

/**
 * Creates a job (reference §2.17.1): input with defaults and connections, one row per flow
 * step, the first orchestration pass (ready roots, `when` / `for_each` at the root), all in
 * one transaction that NOTIFYs waiting workers.
 */
@Injectable()
export class JobCreatorService {
  constructor(
    private readonly jobs: JobRepository,
    private readonly workspaces: WorkspaceRegistry,
    private readonly logs: JobLogService,
    private readonly wakeup: RetryWakeup,
    @Inject(SERVER_CONFIG) private readonly config: ServerConfig,
    @Inject(JOB_DISPATCH) private readonly dispatch: JobDispatch,
    private readonly metrics: ServerMetrics,
  ) {}

  async create(req: JobRequest): Promise<string> {
    const snapshot = this.workspaces.get(req.workspace)?.current;
    if (!snapshot) throw notFound(`Workspace '${req.workspace}' not found`);
    const task =
      req.task ??
      (Object.hasOwn(snapshot.config.tasks, req.taskName)
        ? snapshot.config.tasks[req.taskName]
        : undefined);
    if (!task) throw notFound(`Task '${req.taskName}' not found in workspace '${req.workspace}'`);

    const submitted = req.sourceJobId
      ? await this.rerunInput(req.sourceJobId, req, task)
      : req.input;
    let input: JsonObject;
    try {
      input = prepareJobInput(task.input, submitted, snapshot.config);
    } catch (err) {
      throw invalid(`Invalid input for task '${req.taskName}': ${errorText(err)}`);
    }
    if (req.enforceRequired) {
      const missing = missingRequiredInputs(task.input, input);
      if (missing.length > 0) throw invalid(missingRequiredMessage(missing));
    }
    let rows;
    try {
      rows = newJobRows({
        workspace: req.workspace,
        revision: req.parent?.revision ?? snapshot.revision,
        taskName: req.taskName,
        task,
        actions: snapshot.config.actions,
        input,
        rawInput: submitted,
        sourceType: req.sourceType,
        sourceId: req.sourceId,
        sourceJobId: req.sourceJobId,
        retryOf: req.retryOf,
        defaultStepTimeout: this.config.default_step_timeout,
        defaultJobTimeout: this.config.default_job_timeout,
        resolveForeign: (name) => this.workspaces.resolveForeignAction(req.workspace, name),
      });
    } catch (err) {
      if (err instanceof UnknownActionError) throw invalid(err.message);
      throw err;
    }
    if (req.parent) {
      rows.job.parentJobId = req.parent.jobId;
      rows.job.parentStepName = req.parent.stepName;
    }
    const outcome = advanceJob(rows, snapshot.config);
    const notBefore = req.retryOf?.notBefore;
    if (notBefore) for (const s of rows.steps) if (s.status === 'ready') s.retryAt = notBefore;
    await this.jobs.insert(rows.job, rows.steps);
    this.metrics.jobCreated(req.sourceType);
    if (notBefore) this.wakeup.at(rows.job.jobId, notBefore);
    for (const event of outcome.events) await this.logs.serverEvent(rows.job.jobId, event);
    await this.dispatch.afterCreate(rows.job.jobId, outcome);
    return rows.job.jobId;
  }

  /** The submitted input of a Re-run with its masked fields replayed from the source job. */
  private async rerunInput(sourceJobId: string, req: JobRequest, task: TaskDef) {
    const source = isUuid(sourceJobId) ? await this.jobs.find(sourceJobId.toLowerCase()) : null;
    if (!source) throw invalid(`Source job ${sourceJobId} not found`);
    if (source.workspace !== req.workspace || source.taskName !== req.taskName) {
      throw invalid(
        `Source job ${sourceJobId} belongs to task '${source.taskName}' of workspace '${source.workspace}'`,
      );
    }
    if (!source.rawInput) throw invalid(`Source job ${sourceJobId} has no raw input to re-run`);
    return replayRerunSentinels(task.input, req.input, source.rawInput);
  }
}
