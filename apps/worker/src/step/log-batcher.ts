/**
 * Ships a step's output lines to `POST /worker/jobs/{id}/logs` in order, batched by time (a line
 * waits at most `maxDelayMs` unless a request is already in flight) and by size (`maxLines` lines
 * or about `maxBytes` per request). One request at a time keeps the order; a batch the server
 * did not take is retried with backoff until it is, or until `close()` runs out of time.
 *
 * While the server is unreachable lines wait in memory, up to `maxQueuedLines` lines or
 * `maxQueuedBytes` (100 000 lines / 32 MiB by default). Past that the OLDEST waiting lines are
 * dropped — the end of a step's output usually says why it failed — and the first line sent after
 * the gap is a stderr marker `[worker] <n> log line(s) dropped: …` at the place of the gap.
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
  /** Lines waiting for the server beyond which the oldest are dropped (default 100 000). */
  maxQueuedLines?: number;
  /** Bytes waiting for the server beyond which the oldest lines are dropped (default 32 MiB). */
  maxQueuedBytes?: number;
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

export const DEFAULT_MAX_QUEUED_LINES = 100_000;
export const DEFAULT_MAX_QUEUED_BYTES = 32 * 1024 * 1024;
/** An overflow drops down to this share of the bound, so dropping happens in chunks, not per line. */
const SHED_TO = 0.9;

export class LogBatcher {
  private readonly maxDelayMs: number;
  private readonly maxLines: number;
  private readonly maxBytes: number;
  private readonly maxQueuedLines: number;
  private readonly maxQueuedBytes: number;
  private readonly queue: QueuedLine[] = [];
  private queuedBytes = 0;
  private timer: NodeJS.Timeout | undefined;
  private sending: Promise<void> | undefined;
  private closing = false;
  private readonly giveUp = new AbortController();
  private sent = 0;
  private dropped = 0;
  /** Lines shed from the queue's head whose marker has not been sent yet. */
  private gap: { count: number; ts: string } | undefined;

  constructor(private readonly options: LogBatcherOptions) {
    // Live log latency is at most this (plus one request): 25 ms keeps a chatty step under
    // 40 requests/s while most lines reach a watcher within a frame or two.
    this.maxDelayMs = options.maxDelayMs ?? 25;
    this.maxLines = options.maxLines ?? 256;
    this.maxBytes = options.maxBytes ?? 64 * 1024;
    this.maxQueuedLines = Math.max(1, options.maxQueuedLines ?? DEFAULT_MAX_QUEUED_LINES);
    this.maxQueuedBytes = Math.max(1, options.maxQueuedBytes ?? DEFAULT_MAX_QUEUED_BYTES);
  }

  push(line: LogLine): void {
    const body: LogLineBody = { ts: line.at.toISOString(), stream: line.stream, line: line.text };
    const bytes = Buffer.byteLength(line.text) + LINE_OVERHEAD_BYTES;
    this.queue.push({ body, bytes, queuedAt: Date.now() });
    this.queuedBytes += bytes;
    if (this.queue.length > this.maxQueuedLines || this.queuedBytes > this.maxQueuedBytes) {
      this.shedOldest();
    }
    this.schedule();
  }

  /**
   * Sends everything queued, retrying while the server is unreachable until `timeoutMs` (if
   * given) or the `giveUp` signal; then unsent lines are dropped (and logged).
   */
  async close(timeoutMs?: number): Promise<LogFlushSummary> {
    this.closing = true;
    const stop = () => this.giveUp.abort();
    const deadline = timeoutMs === undefined ? undefined : setTimeout(stop, timeoutMs);
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
    this.gap = undefined;
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

  /** Drops the oldest waiting lines down to 90 % of the bound; the next batch carries a marker. */
  private shedOldest(): void {
    const keepLines = Math.floor(this.maxQueuedLines * SHED_TO);
    const keepBytes = Math.floor(this.maxQueuedBytes * SHED_TO);
    let count = 0;
    let bytes = 0;
    while (
      count < this.queue.length - 1 &&
      (this.queue.length - count > keepLines || this.queuedBytes - bytes > keepBytes)
    ) {
      bytes += this.queue[count].bytes;
      count++;
    }
    if (count === 0) return;
    const shed = this.queue.splice(0, count);
    this.queuedBytes -= bytes;
    this.gap = { count: (this.gap?.count ?? 0) + count, ts: shed[shed.length - 1].body.ts };
    this.drop(
      count,
      `the log buffer is full (${this.maxQueuedLines} lines / ${this.maxQueuedBytes} bytes) ` +
        'while the server does not take logs; the oldest waiting lines go first',
    );
  }

  private takeBatch(): { lines: LogLineBody[]; stepLines: number } {
    let count = 0;
    let bytes = 0;
    while (count < this.queue.length && count < this.maxLines) {
      const next = this.queue[count].bytes;
      if (count > 0 && bytes + next > this.maxBytes) break;
      bytes += next;
      count++;
    }
    this.queuedBytes -= bytes;
    const lines = this.queue.splice(0, count).map((q) => q.body);
    if (!this.gap) return { lines, stepLines: lines.length };
    const marker: LogLineBody = {
      ts: this.gap.ts,
      stream: 'stderr',
      line:
        `[worker] ${this.gap.count} log line(s) dropped: the server did not take logs and ` +
        `the worker's buffer (${this.maxQueuedLines} lines / ${this.maxQueuedBytes} bytes) was full`,
    };
    this.gap = undefined;
    return { lines: [marker, ...lines], stepLines: lines.length };
  }

  private async sendBatch({
    lines,
    stepLines,
  }: {
    lines: LogLineBody[];
    stepLines: number;
  }): Promise<void> {
    const { client, jobId, stepName, logger } = this.options;
    for (let attempt = 1; ; attempt++) {
      try {
        await client.appendLogs(jobId, { step_name: stepName, lines });
        this.sent += stepLines;
        return;
      } catch (err) {
        if (!isTransient(err)) {
          this.drop(stepLines, `the server refused them: ${(err as Error).message}`);
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
          this.drop(stepLines, 'the log flush ran out of time');
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
