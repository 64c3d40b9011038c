import { Body, Controller, HttpCode, Post, Res, UseGuards } from '@nestjs/common';
import type { Response } from 'express';
import { EventSourceRepository } from '@stroem/db';
import type { JsonObject, JsonValue } from '@stroem/workflow';
import { invalid } from '../errors/domain-errors';
import { JobCreatorService } from '../orchestrator/job-creator.service';
import { WorkerAuthGuard } from '../worker-api/worker-auth.guard';
import { WorkspaceRegistry } from '../workspace/workspace-registry.service';
import { CONSUMER_KEYS } from './event-source-config';

/** Largest accepted emitted input, serialised (reference §3.4). */
export const MAX_EMIT_BYTES = 256 * 1024;
/** What a 429 tells the worker to wait before retrying. */
export const EMIT_RETRY_AFTER_SECS = 1;

interface EmitBody {
  workspace?: unknown;
  task?: unknown;
  input?: unknown;
  source_id?: unknown;
}

const isObject = (v: unknown): v is JsonObject =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * `POST /worker/event-source/emit`: one target job per event. With `max_in_flight` set, an
 * emit while that many target jobs are pending or running is answered 429
 * `{error, retry_after_secs}` and nothing is created: the worker waits and retries.
 */
@Controller('worker/event-source')
@UseGuards(WorkerAuthGuard)
export class EventSourceEmitController {
  constructor(
    private readonly workspaces: WorkspaceRegistry,
    private readonly creator: JobCreatorService,
    private readonly repo: EventSourceRepository,
  ) {}

  @Post('emit')
  @HttpCode(200)
  async emit(@Body() body: EmitBody, @Res({ passthrough: true }) res: Response) {
    const { workspace, task, input, source_id: sourceId } = body ?? {};
    if (typeof workspace !== 'string' || typeof task !== 'string' || typeof sourceId !== 'string')
      throw invalid('workspace, task and source_id are required strings');
    if (input !== undefined && input !== null && !isObject(input))
      throw invalid('input must be an object');
    if (Buffer.byteLength(JSON.stringify(input ?? {})) > MAX_EMIT_BYTES)
      throw invalid(`input exceeds ${MAX_EMIT_BYTES} bytes`);
    const prefix = `${workspace}/`;
    const key = sourceId.startsWith(prefix) ? sourceId.slice(prefix.length) : '';
    const trigger = this.workspaces.get(workspace)?.current?.config.triggers[key];
    if (
      !trigger ||
      trigger.type !== 'event_source' ||
      !trigger.enabled ||
      trigger.target_task !== task
    )
      throw invalid(`'${sourceId}' is not an enabled event_source trigger targeting '${task}'`);
    if (trigger.max_in_flight !== undefined && trigger.max_in_flight !== null) {
      const inFlight = await this.repo.targetsInFlight(workspace, key);
      if (inFlight >= trigger.max_in_flight) {
        res.status(429);
        res.setHeader('Retry-After', String(EMIT_RETRY_AFTER_SECS));
        return {
          error: `max_in_flight (${trigger.max_in_flight}) target jobs pending or running`,
          retry_after_secs: EMIT_RETRY_AFTER_SECS,
        } satisfies Record<string, JsonValue>;
      }
    }
    const targetInput: JsonObject = { ...(input as JsonObject | undefined) };
    for (const k of CONSUMER_KEYS) delete targetInput[k];
    const jobId = await this.creator.create({
      workspace,
      taskName: task,
      input: targetInput,
      sourceType: 'event_source',
      sourceId,
    });
    return { job_id: jobId };
  }
}
