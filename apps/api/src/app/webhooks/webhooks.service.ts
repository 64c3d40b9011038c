import { Injectable, Logger } from '@nestjs/common';
import { JobRepository, type JobEntity } from '@stroem/db';
import type { JsonValue, WebhookTrigger } from '@stroem/workflow';
import { invalid, notFound, unauthorized } from '../errors/domain-errors';
import { isTerminalJobStatus } from '../orchestrator/job-cancellation';
import { errorText } from '../orchestrator/job-advance';
import { JobCreatorService } from '../orchestrator/job-creator.service';
import { WorkspaceRegistry } from '../workspace/workspace-registry.service';
import { JobWaiter } from './job-waiter.service';
import {
  presentedSecret,
  secretMatches,
  webhookJobInput,
  type IncomingWebhook,
} from './webhook-request';

/** A webhook trigger found by name: its workspace and trigger key (`source_id` parts). */
export interface ResolvedWebhook {
  workspace: string;
  key: string;
  trigger: WebhookTrigger;
}

/** An HTTP answer the controller sends as is. */
export interface WebhookReply {
  status: number;
  body: Record<string, JsonValue>;
}

/** Job creation failed: the caller gets 500 with this message (not the generic one). */
export class WebhookJobCreationError extends Error {}

const MAX_STATUS_WAIT_SECS = 300;

/** `GET|POST /hooks/{name}` and `GET /hooks/{name}/jobs/{job_id}` (reference §3.3). */
@Injectable()
export class WebhooksService {
  private readonly logger = new Logger(WebhooksService.name);
  private readonly warnedQuerySecret = new Set<string>();

  constructor(
    private readonly workspaces: WorkspaceRegistry,
    private readonly creator: JobCreatorService,
    private readonly jobs: JobRepository,
    private readonly waiter: JobWaiter,
  ) {}

  /** The first enabled webhook trigger with this name across workspaces (config order). */
  find(name: string): ResolvedWebhook {
    for (const ws of this.workspaces.list()) {
      const triggers = ws.current?.config.triggers ?? {};
      for (const [key, trigger] of Object.entries(triggers)) {
        if (trigger.type === 'webhook' && trigger.enabled && trigger.name === name)
          return { workspace: ws.name, key, trigger };
      }
    }
    throw notFound(`Webhook '${name}' not found`);
  }

  /** 401 unless the trigger is public or the caller sent its secret. */
  authorize(hook: ResolvedWebhook, req: IncomingWebhook): void {
    const expected = hook.trigger.secret;
    if (expected === undefined || expected === null || expected === '') return;
    const presented = presentedSecret(req);
    if (!presented || !secretMatches(expected, presented.value))
      throw unauthorized('Invalid or missing secret');
    if (presented.source === 'query') {
      const id = `${hook.workspace}/${hook.key}`;
      if (!this.warnedQuerySecret.has(id)) {
        this.warnedQuerySecret.add(id);
        this.logger.warn(
          `webhook '${hook.trigger.name}' (${id}): secret sent as ?secret= query parameter; ` +
            'this is deprecated (it ends up in access logs) — send Authorization: Bearer <secret>',
        );
      }
    }
  }

  async trigger(name: string, req: IncomingWebhook): Promise<WebhookReply> {
    const hook = this.find(name);
    this.authorize(hook, req);
    const { trigger } = hook;
    if (trigger.force_refresh) {
      const ws = this.workspaces.get(hook.workspace);
      if (ws) await this.workspaces.refresh(ws);
    }
    let jobId: string;
    try {
      jobId = await this.creator.create({
        workspace: hook.workspace,
        taskName: trigger.task,
        input: webhookJobInput(req, trigger),
        sourceType: 'webhook',
        sourceId: `${hook.workspace}/${hook.key}`,
      });
    } catch (err) {
      this.logger.error(`webhook '${name}': job creation failed: ${errorText(err)}`);
      throw new WebhookJobCreationError(`Failed to create job: ${errorText(err)}`);
    }
    const base = { job_id: jobId, trigger: trigger.name, task: trigger.task };
    if (trigger.mode !== 'sync') return { status: 200, body: base };

    const job = await this.waiter.waitForEnd(jobId, trigger.timeout_secs * 1000);
    if (!job || !isTerminalJobStatus(job.status))
      return { status: 202, body: { ...base, status: 'running' } };
    const body: Record<string, JsonValue> = { ...base, status: job.status };
    if (job.output !== null && job.output !== undefined) body['output'] = job.output;
    return { status: 200, body };
  }

  async jobStatus(
    name: string,
    jobId: string,
    req: IncomingWebhook,
    wait: boolean,
    timeoutSecs: number,
  ): Promise<WebhookReply> {
    const hook = this.find(name);
    this.authorize(hook, req);
    const sourceId = `${hook.workspace}/${hook.key}`;
    let job = await this.jobs.find(jobId);
    // IDOR: only this trigger's own webhook jobs are visible here.
    if (!job || job.sourceType !== 'webhook' || job.sourceId !== sourceId)
      throw notFound('Job not found');
    if (wait && !isTerminalJobStatus(job.status)) {
      const secs = Math.min(Math.max(timeoutSecs, 0), MAX_STATUS_WAIT_SECS);
      job = (await this.waiter.waitForEnd(jobId, secs * 1000)) ?? job;
    }
    const terminal = isTerminalJobStatus(job.status);
    return { status: wait && !terminal ? 202 : 200, body: statusBody(hook, job) };
  }
}

function statusBody(hook: ResolvedWebhook, job: JobEntity): Record<string, JsonValue> {
  return {
    job_id: job.jobId,
    trigger: hook.trigger.name,
    task: job.taskName,
    status: job.status,
    output: job.output ?? null,
    created_at: job.createdAt.toISOString(),
    completed_at: job.completedAt ? job.completedAt.toISOString() : null,
  };
}

/** `?timeout=` of the status endpoint: seconds, default 30; a bad value is a 400. */
export function parseStatusTimeout(value: unknown): number {
  if (value === undefined || value === '') return 30;
  const n = Number(value);
  if (typeof value !== 'string' || !Number.isFinite(n) || n < 0) throw invalid('Invalid timeout');
  return Math.floor(n);
}

/** `?wait=` of the status endpoint: `true`/`1` waits. */
export function parseWait(value: unknown): boolean {
  return value === 'true' || value === '1';
}
