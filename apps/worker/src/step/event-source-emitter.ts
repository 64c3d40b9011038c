/**
 * Event-source consumer steps (reference §2.17.9): each valid `OUTPUT: {object}` stdout line
 * becomes `POST /worker/event-source/emit` with `input = input_defaults ⊕ object` (emitted keys
 * win; non-objects are ignored). Emits go out one at a time, in order; a 429 (`max_in_flight`
 * reached on the server) or a transient error is retried after a wait, so no event is lost.
 */
import type { LogLine } from '@stroem/runner';
import { parseProtocolLine, type JsonObject, type JsonValue } from '@stroem/workflow';
import type { Logger } from 'pino';
import { sleep } from '../lifecycle/backoff';
import { ServerApiError } from '../server-api/server-connection';
import type { WorkerApiClient } from '../server-api/worker-api.client';

/** Emitted input larger than this (serialised) is dropped, as the server would refuse it. */
export const MAX_EMIT_BYTES = 256 * 1024;
const MAX_RETRY_WAIT_MS = 30_000;

export interface EventSourceConfig {
  target_task: string;
  source_id: string;
  input_defaults?: JsonObject;
  env?: Record<string, JsonValue>;
}

const isObject = (v: JsonValue | undefined): v is JsonObject =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** The consumer's `env` as strings, merged over the action's env. */
export function eventSourceEnv(config: EventSourceConfig): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(config.env ?? {})) {
    env[name] = typeof value === 'string' ? value : JSON.stringify(value);
  }
  return env;
}

export class EventSourceEmitter {
  private readonly queue: JsonObject[] = [];
  private draining: Promise<void> | null = null;
  emitted = 0;

  constructor(
    private readonly config: EventSourceConfig,
    private readonly workspace: string,
    private readonly client: WorkerApiClient,
    private readonly log: Logger,
    private readonly giveUp: AbortSignal,
    /** Wait after a 429 or transient error (tests make it short). */
    private readonly retryWaitMs = 1000,
  ) {}

  /** Feed every log line of the consumer step; non-OUTPUT lines are ignored. */
  push(line: LogLine): void {
    if (line.stream !== 'stdout') return;
    const parsed = parseProtocolLine(line.text.trim());
    if (!parsed || parsed.kind !== 'output' || !isObject(parsed.value)) return;
    const input: JsonObject = { ...(this.config.input_defaults ?? {}), ...parsed.value };
    if (Buffer.byteLength(JSON.stringify(input)) > MAX_EMIT_BYTES) {
      this.log.warn(`event dropped: input larger than ${MAX_EMIT_BYTES} bytes`);
      return;
    }
    this.queue.push(input);
    this.draining ??= this.drain().finally(() => (this.draining = null));
  }

  /** Waits until every queued event was accepted (or the worker gives up). */
  async close(): Promise<void> {
    while (this.draining) await this.draining;
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0 && !this.giveUp.aborted) {
      const input = this.queue[0];
      if (await this.send(input)) this.queue.shift();
    }
  }

  /** True when the event is done with (created or refused for good). */
  private async send(input: JsonObject): Promise<boolean> {
    try {
      await this.client.emitEvent({
        workspace: this.workspace,
        task: this.config.target_task,
        input,
        source_id: this.config.source_id,
      });
      this.emitted++;
      return true;
    } catch (err) {
      if (err instanceof ServerApiError && !err.transient) {
        this.log.warn({ err: err.message }, 'event refused by the server; dropped');
        return true;
      }
      const wait = Math.min(this.retryWaitMs, MAX_RETRY_WAIT_MS);
      if (!(err instanceof ServerApiError && err.status === 429))
        this.log.warn({ err: (err as Error).message }, `emit failed, retrying in ${wait} ms`);
      await sleep(wait, this.giveUp);
      return false;
    }
  }
}
