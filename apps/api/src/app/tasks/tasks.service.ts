import { Injectable } from '@nestjs/common';
import { JobRepository } from '@stroem/db';
import type { JsonObject } from '@stroem/workflow';
import { AclService } from '../auth/acl.service';
import type { Principal } from '../auth/principal';
import { forbidden, invalid, isUuid, notFound } from '../errors/domain-errors';
import { JobAccess } from '../jobs/job-access.service';
import { JobCreatorService } from '../orchestrator/job-creator.service';
import { WorkspaceRegistry } from '../workspace/workspace-registry.service';
import { taskDetail, taskListItem } from './task-views';

/**
 * Tasks of the loaded workspaces, and running one (`execute`). With the ACL (reference §3.0),
 * denied tasks are left out or answer 404, and items carry `can_execute`.
 */
@Injectable()
export class TasksService {
  constructor(
    private readonly workspaces: WorkspaceRegistry,
    private readonly creator: JobCreatorService,
    private readonly acl: AclService,
    private readonly access: JobAccess,
    private readonly jobs: JobRepository,
  ) {}

  all(principal: Principal | undefined) {
    return this.workspaces
      .list()
      .filter((ws) => ws.current !== undefined)
      .flatMap((ws) => this.tasksOf(principal, ws.name));
  }

  tasksOf(principal: Principal | undefined, workspace: string) {
    const config = this.configOf(workspace);
    const items = Object.entries(config.tasks).map(([id, task]) =>
      taskListItem(workspace, id, task, config),
    );
    if (!this.acl.applies(principal)) return items;
    return items.flatMap((item) => {
      const permission = this.acl.permission(principal, workspace, item.id);
      return permission === 'deny' ? [] : [{ ...item, can_execute: permission === 'run' }];
    });
  }

  detail(principal: Principal | undefined, workspace: string, name: string) {
    const config = this.configOf(workspace);
    const task = Object.hasOwn(config.tasks, name) ? config.tasks[name] : undefined;
    const missing = `Task '${name}' not found in workspace '${workspace}'`;
    if (!task) throw notFound(missing);
    const permission = this.acl.requireView(principal, workspace, name, missing);
    const view = taskDetail(name, task, config);
    return this.acl.applies(principal) ? { ...view, can_execute: permission === 'run' } : view;
  }

  /** With auth the job is the user's (`source_type: user`, their e-mail as `source_id`). */
  async execute(
    principal: Principal | undefined,
    workspace: string,
    name: string,
    body: unknown,
  ): Promise<{ job_id: string }> {
    const { input, sourceJobId } = readExecuteBody(body);
    const config = this.configOf(workspace);
    const missing = `Task '${name}' not found in workspace '${workspace}'`;
    if (!Object.hasOwn(config.tasks, name)) throw notFound(missing);
    this.acl.requireRun(principal, workspace, name, missing);
    if (sourceJobId) await this.requireReadableSource(principal, sourceJobId);
    const jobId = await this.creator.create({
      workspace,
      taskName: name,
      input,
      sourceType: sourceJobId ? 'rerun' : principal ? 'user' : 'api',
      sourceId: principal && !sourceJobId ? principal.email : null,
      sourceJobId,
      enforceRequired: true,
    });
    return { job_id: jobId };
  }

  /** Re-run: 403 when the source job is hidden from the caller; a missing one is the creator's 400. */
  private async requireReadableSource(principal: Principal | undefined, sourceJobId: string) {
    if (!this.acl.applies(principal) || !isUuid(sourceJobId)) return;
    const source = await this.jobs.find(sourceJobId.toLowerCase());
    if (source && (await this.access.permission(principal, source)) === 'deny')
      throw forbidden(`You do not have permission to view source job ${sourceJobId}`);
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
