import { Injectable } from '@nestjs/common';
import type { JsonObject } from '@stroem/workflow';
import { invalid, notFound } from '../errors/domain-errors';
import { JobCreatorService } from '../orchestrator/job-creator.service';
import { WorkspaceRegistry } from '../workspace/workspace-registry.service';
import { taskDetail, taskListItem } from './task-views';

/** Tasks of the loaded workspaces, and running one (`execute`). */
@Injectable()
export class TasksService {
  constructor(
    private readonly workspaces: WorkspaceRegistry,
    private readonly creator: JobCreatorService,
  ) {}

  all() {
    return this.workspaces.list().flatMap((ws) => this.tasksOf(ws.name));
  }

  tasksOf(workspace: string) {
    const config = this.configOf(workspace);
    return Object.entries(config.tasks).map(([id, task]) =>
      taskListItem(workspace, id, task, config),
    );
  }

  detail(workspace: string, name: string) {
    const config = this.configOf(workspace);
    const task = config.tasks[name];
    if (!task) throw notFound(`Task '${name}' not found in workspace '${workspace}'`);
    return taskDetail(name, task, config);
  }

  async execute(workspace: string, name: string, body: unknown): Promise<{ job_id: string }> {
    const { input, sourceJobId } = readExecuteBody(body);
    this.detail(workspace, name);
    const jobId = await this.creator.create({
      workspace,
      taskName: name,
      input,
      sourceType: sourceJobId ? 'rerun' : 'api',
      sourceId: null,
      sourceJobId,
      enforceRequired: true,
    });
    return { job_id: jobId };
  }

  private configOf(workspace: string) {
    const config = this.workspaces.get(workspace)?.current?.config;
    if (!config) throw notFound(`Workspace '${workspace}' not found`);
    return config;
  }
}

/** `{input?: object, source_job_id?: uuid}`; a missing body is an empty input. */
function readExecuteBody(body: unknown): { input: JsonObject; sourceJobId?: string } {
  if (body === undefined || body === null) return { input: {} };
  if (typeof body !== 'object' || Array.isArray(body))
    throw invalid('Request body must be a JSON object');
  const { input, source_job_id: source } = body as { input?: unknown; source_job_id?: unknown };
  if (input !== undefined && input !== null && (typeof input !== 'object' || Array.isArray(input)))
    throw invalid('input must be a JSON object');
  if (source !== undefined && source !== null && typeof source !== 'string')
    throw invalid('source_job_id must be a string');
  return {
    input: (input ?? {}) as JsonObject,
    sourceJobId: typeof source === 'string' && source !== '' ? source : undefined,
  };
}
