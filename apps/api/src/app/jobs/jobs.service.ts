import { Injectable } from '@nestjs/common';
import { JobRepository, type JobListFilter } from '@stroem/db';
import { JOB_STATUSES } from '@stroem/workflow';
import type { Principal } from '../auth/principal';
import { conflict, invalid, notFound, requireJobId } from '../errors/domain-errors';
import { JobLogService, SERVER_STEP } from '../logs/job-log.service';
import { JobCancellationService } from '../orchestrator/job-cancellation.service';
import { WorkspaceRegistry } from '../workspace/workspace-registry.service';
import { JobAccess } from './job-access.service';
import { jobDetail, jobListItem } from './job-views';
import { jobRedactor } from './secret-redaction';

const SOURCE_TYPES = [
  'api',
  'trigger',
  'webhook',
  'task',
  'hook',
  'user',
  'mcp',
  'agent_tool',
  'event_source',
  'retry',
  'upload',
  'rerun',
  'restart',
];
const MAX_SEARCH = 200;

export interface JobListQuery {
  workspace?: string;
  task_name?: string;
  status?: string;
  source_type?: string;
  search?: string;
  limit?: string;
  offset?: string;
}

export function pageParam(
  value: string | undefined,
  name: string,
  fallback: number,
  max: number,
): number {
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw invalid(`${name} must be a non-negative integer`);
  return Math.min(n, max);
}

/** Job lists, detail, logs, counts and cancelling, for the REST API. */
@Injectable()
export class JobsService {
  constructor(
    private readonly jobs: JobRepository,
    private readonly logs: JobLogService,
    private readonly workspaces: WorkspaceRegistry,
    private readonly access: JobAccess,
    private readonly cancellation: JobCancellationService,
  ) {}

  async list(principal: Principal | undefined, query: JobListQuery) {
    if (query.status && !(JOB_STATUSES as readonly string[]).includes(query.status))
      throw invalid(`Invalid status '${query.status}'`);
    if (query.source_type && !SOURCE_TYPES.includes(query.source_type))
      throw invalid(`Invalid source_type '${query.source_type}'`);
    if (query.task_name && !query.workspace) throw invalid('task_name requires workspace');
    if (query.task_name && query.search) throw invalid('task_name cannot be combined with search');
    if (query.search && query.search.length > MAX_SEARCH)
      throw invalid(`search must be at most ${MAX_SEARCH} characters`);
    const filter: JobListFilter = {
      workspace: query.workspace || undefined,
      taskName: query.task_name || undefined,
      status: query.status || undefined,
      sourceType: query.source_type || undefined,
      search: query.search || undefined,
      visible: this.access.visibleTasks(principal),
      limit: Math.max(1, pageParam(query.limit, 'limit', 50, 1000)),
      offset: pageParam(query.offset, 'offset', 0, Number.MAX_SAFE_INTEGER),
    };
    const { items, total } = await this.jobs.list(filter);
    return { items: items.map(jobListItem), total };
  }

  async detail(principal: Principal | undefined, jobId: string) {
    const found = await this.jobs.findWithSteps(requireJobId(jobId));
    if (!found) throw notFound('Job not found');
    await this.access.requireView(principal, found.job);
    const config = this.workspaces.get(found.job.workspace)?.current?.config;
    const { redactor, fields } = jobRedactor(found.job, found.steps, config);
    const view = jobDetail(found.job, found.steps);
    return {
      ...view,
      input: redactor.redactInput(view.input, fields.job),
      raw_input: redactor.redactInput(view.raw_input, fields.job),
      output: redactor.redact(view.output),
      steps: view.steps.map((s) => ({
        ...s,
        input: redactor.redactInput(s.input, fields.steps.get(s.step_name) ?? []),
        output: redactor.redact(s.output),
        error_message: redactor.redact(s.error_message),
        retry_history: redactor.redact(s.retry_history),
      })),
    };
  }

  async logsOf(
    principal: Principal | undefined,
    jobId: string,
    step?: string,
  ): Promise<{ logs: string }> {
    const id = requireJobId(jobId);
    const found = await this.jobs.findWithSteps(id);
    if (!found) throw notFound('Job not found');
    await this.access.requireView(principal, found.job);
    const config = this.workspaces.get(found.job.workspace)?.current?.config;
    const { redactor } = jobRedactor(found.job, found.steps, config);
    if (step !== undefined && step !== SERVER_STEP && !found.steps.some((s) => s.stepName === step))
      throw notFound(`Step '${step}' not found in job ${id}`);
    const text = step === undefined ? await this.logs.read(id) : await this.logs.readStep(id, step);
    return { logs: redactor.redactLog(text) };
  }

  /** 404 missing or hidden, 403 view-only, 409 already terminal. */
  async cancel(principal: Principal | undefined, jobId: string): Promise<{ status: 'cancelled' }> {
    const job = await this.access.findViewable(principal, requireJobId(jobId));
    await this.access.requireRun(principal, job);
    const outcome = await this.cancellation.cancel(job.jobId, { kind: 'user' });
    if (outcome === 'not-found') throw notFound('Job not found');
    if (outcome === 'terminal') throw conflict('Job is already in a terminal state');
    return { status: 'cancelled' };
  }

  stats(principal: Principal | undefined) {
    return this.jobs.countByStatus(this.access.visibleTasks(principal));
  }
}
