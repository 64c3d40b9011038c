import { Inject, Injectable } from '@nestjs/common';
import { JobRepository } from '@stroem/db';
import { prepareJobInput, type JsonObject } from '@stroem/workflow';
import { SERVER_CONFIG, type ServerConfig } from '../config/server-config';
import { invalid, notFound } from '../errors/domain-errors';
import { JobLogService } from '../logs/job-log.service';
import { WorkspaceRegistry } from '../workspace/workspace-registry.service';
import { advanceJob, errorText } from './job-advance';
import { newJobRows, UnknownActionError } from './step-rows';

export interface JobRequest {
  workspace: string;
  taskName: string;
  input: JsonObject;
  sourceType: string;
  sourceId: string | null;
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
    @Inject(SERVER_CONFIG) private readonly config: ServerConfig,
  ) {}

  async create(req: JobRequest): Promise<string> {
    const snapshot = this.workspaces.get(req.workspace)?.current;
    if (!snapshot) throw notFound(`Workspace '${req.workspace}' not found`);
    const task = snapshot.config.tasks[req.taskName];
    if (!task) throw notFound(`Task '${req.taskName}' not found in workspace '${req.workspace}'`);

    let input: JsonObject;
    try {
      input = prepareJobInput(task.input, req.input, snapshot.config);
    } catch (err) {
      throw invalid(`Invalid input for task '${req.taskName}': ${errorText(err)}`);
    }
    let rows;
    try {
      rows = newJobRows({
        workspace: req.workspace,
        revision: snapshot.revision,
        taskName: req.taskName,
        task,
        actions: snapshot.config.actions,
        input,
        rawInput: req.input,
        sourceType: req.sourceType,
        sourceId: req.sourceId,
        defaultStepTimeout: this.config.default_step_timeout,
        defaultJobTimeout: this.config.default_job_timeout,
      });
    } catch (err) {
      if (err instanceof UnknownActionError) throw invalid(err.message);
      throw err;
    }
    const events = advanceJob(rows, snapshot.config);
    await this.jobs.insert(rows.job, rows.steps);
    for (const event of events) await this.logs.serverEvent(rows.job.jobId, event);
    return rows.job.jobId;
  }
}
