/**
 * Ships a step's output lines to `POST /worker/jobs/{id}/logs` in order, batched by time (a line
 * waits at most `maxDelayMs` unless a request is already in flight) and by size (`maxLines` lines
 * or about `maxBytes` per request). One request at a time keeps the order; a batch the server
 * did not take is retried until it is, or until `close()` runs out of time.
 */
import type { LogLine } from '@stroem/runner';
import type { Logger } from 'pino';
import { exponentialBackoffMs, isTransient, sleep } from '../lifecycle/backoff';
import type { WorkerApiClient } from '../server-api/worker-api.client';
import type { LogLineBody } from '../server-api/worker-protocol';

export interface LogBatcherOptions {
  client: WorkerApiClient;
  jobId: string;
  stepName: string;
  logger: Logger;
  maxDelayMs?: number;
  maxLines?: number;
  maxBytes?: number;
  retryBaseMs?: number;
  retryCapMs?: number;
  /** Aborting it stops retries at once (the worker is giving up on its reports). */
  giveUp?: AbortSignal;
}

interface QueuedLine {
  body: LogLineBody;
  bytes: number;
  queuedAt: number;
}

export interface LogFlushSummary {
  sent: number;
  dropped: number;
}

// `{"ts":"…","stream":"stdout","line":""},` without the line itself.
const LINE_OVERHEAD_BYTES = 64;

export class LogBatcher {
  private readonly maxDelayMs: number;
  private readonly maxLines: number;
  private readonly maxBytes: number;
  private readonly queue: QueuedLine[] = [];
  private queuedBytes = 0;
  private timer: NodeJS.Timeout | undefined;
  private sending: Promise<void> | undefined;
  private closing = false;
  private readonly giveUp = new AbortController();
  private sent = 0;
  private dropped = 0;

  constructor(private readonly options: LogBatcherOptions) {
    // Live log latency is at most this (plus one request): 25 ms keeps a chatty step under
    // 40 requests/s while most lines reach a watcher within a frame or two.
    this.maxDelayMs = options.maxDelayMs ?? 25;
    this.maxLines = options.maxLines ?? 256;
    this.maxBytes = options.maxBytes ?? 64 * 1024;
  }

  push(line: LogLine): void {
    const body: LogLineBody = { ts: line.at.toISOString(), stream: line.stream, line: line.text };
    const bytes = Buffer.byteLength(line.text) + LINE_OVERHEAD_BYTES;
    this.queue.push({ body, bytes, queuedAt: Date.now() });
    this.queuedBytes += bytes;
    this.schedule();
  }

  /** Sends everything queued; after `timeoutMs` unsent lines are dropped (and logged). */
  async close(timeoutMs = 30_000): Promise<LogFlushSummary> {
    this.closing = true;
    const stop = () => this.giveUp.abort();
    const deadline = setTimeout(stop, timeoutMs);
    this.options.giveUp?.addEventListener('abort', stop, { once: true });
    if (this.options.giveUp?.aborted) stop();
    try {
      this.schedule();
      while (this.sending) await this.sending;
    } finally {
      clearTimeout(deadline);
      this.options.giveUp?.removeEventListener('abort', stop);
    }
    if (this.queue.length > 0) {
      this.drop(this.queue.length, 'the log flush ran out of time');
      this.queue.splice(0, this.queue.length);
      this.queuedBytes = 0;
    }
    return { sent: this.sent, dropped: this.dropped };
  }

  private get full(): boolean {
    return this.queue.length >= this.maxLines || this.queuedBytes >= this.maxBytes;
  }

  private schedule(): void {
    if (this.sending || this.queue.length === 0) return;
    const oldest = this.queue[0];
    const dueIn = this.closing || this.full ? 0 : oldest.queuedAt + this.maxDelayMs - Date.now();
    if (dueIn <= 0) {
      clearTimeout(this.timer);
      this.timer = undefined;
      this.sending = this.drain().finally(() => {
        this.sending = undefined;
        this.schedule();
      });
    } else if (!this.timer) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.schedule();
      }, dueIn);
    }
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0 && !this.giveUp.signal.aborted) {
      const oldest = this.queue[0];
      const due = this.closing || this.full || oldest.queuedAt + this.maxDelayMs <= Date.now();
      if (!due) return;
      await this.sendBatch(this.takeBatch());
    }
  }

  private takeBatch(): LogLineBody[] {
    let count = 0;
    let bytes = 0;
    while (count < this.queue.length && count < this.maxLines) {
      const next = this.queue[count].bytes;
      if (count > 0 && bytes + next > this.maxBytes) break;
      bytes += next;
      count++;
    }
    this.queuedBytes -= bytes;
    return this.queue.splice(0, count).map((q) => q.body);
  }

  private async sendBatch(lines: LogLineBody[]): Promise<void> {
    const { client, jobId, stepName, logger } = this.options;
    for (let attempt = 1; ; attempt++) {
      try {
        await client.appendLogs(jobId, { step_name: stepName, lines });
        this.sent += lines.length;
        return;
      } catch (err) {
        if (!isTransient(err)) {
          this.drop(lines.length, `the server refused them: ${(err as Error).message}`);
          return;
        }
        const waitMs = exponentialBackoffMs(
          attempt,
          this.options.retryBaseMs ?? 200,
          this.options.retryCapMs ?? 5_000,
        );
        logger.warn(
          { err: (err as Error).message, attempt, lines: lines.length },
          `log upload failed, retrying in ${waitMs} ms`,
        );
        if (!(await sleep(waitMs, this.giveUp.signal))) {
          this.drop(lines.length, 'the log flush ran out of time');
          return;
        }
      }
    }
  }

  private drop(count: number, why: string): void {
    this.dropped += count;
    this.options.logger.error({ lines: count }, `${count} log line(s) lost: ${why}`);
  }
}
