/**
 * What the WebSocket and SSE log streams share: who may open one (auth + job ACL), and the
 * session that stitches the stored log (backfill) to the live chunks without gaps or repeats.
 *
 * The stitch: subscribe first and buffer live chunks, read the log, then emit only the live bytes
 * past what the backfill covered (chunks carry their byte range in the log file). Output is whole
 * JSONL lines, redacted like `GET /api/jobs/{id}/logs`, optionally filtered to one step. The job
 * row is polled every second; once it is terminal the session waits for this replica's pending
 * appends and for every peer notice already queued (JobLogBroadcaster.sync), then ends.
 */
import { Injectable, type OnModuleDestroy } from '@nestjs/common';
import { JobRepository, type JobEntity } from '@stroem/db';
import type { JobStatus } from '@stroem/workflow';
import { Authenticator } from '../auth/authenticator.service';
import { AuthSettings } from '../auth/auth-settings';
import type { Principal } from '../auth/principal';
import { notFound, requireJobId, unauthorized } from '../errors/domain-errors';
import { JobAccess } from '../jobs/job-access.service';
import { jobRedactor, type SecretRedactor } from '../jobs/secret-redaction';
import { isTerminalJobStatus } from '../orchestrator/job-cancellation';
import { WorkspaceRegistry } from '../workspace/workspace-registry.service';
import { JobLogBroadcaster, type LogChunk } from './job-log-broadcaster.service';
import { JobLogService, SERVER_STEP } from './job-log.service';

/** Outbound bytes a connection may have waiting before it counts as a slow consumer. */
export const MAX_BUFFERED_BYTES = 4 * 1024 * 1024;
/** Live chunks held while the backfill is being read and sent. */
const MAX_PENDING_BYTES = 16 * 1024 * 1024;
const BACKFILL_SLICE_BYTES = 256 * 1024;
/** A backfill slice the client does not take within this long drops the connection. */
const STALL_TIMEOUT_MS = 30_000;
const STATUS_POLL_MS = 1000;

export interface LogStreamRequest {
  jobId: string;
  /** `Authorization` header value, if any. */
  authorization?: string;
  /** `?token=` */
  token?: string;
  step?: string;
}

export interface LogStreamOptions {
  step?: string;
  skipBackfill: boolean;
  /** Resume: only bytes past this offset of the log (SSE `Last-Event-ID`). */
  after?: number;
}

export interface LogStreamLine {
  /** One JSONL line without its newline (redacted). */
  line: string;
  /** Byte offset in the stored log just past this line. */
  end: number;
}

/** A transport (WebSocket or SSE response) as the session sees it. */
export interface LogStreamSink {
  /** Whole JSONL lines, each with the log offset just past it. Resolves once handed to the OS. */
  send(lines: readonly LogStreamLine[]): Promise<void>;
  /** Outbound bytes not yet handed to the OS. */
  buffered(): number;
  finish(status: JobStatus): void;
  /** Slow consumer, a stall, or shutdown (`going away`): close with a clear reason, free the buffer. */
  drop(reason: string, goingAway?: boolean): void;
}

export class SlowConsumerError extends Error {}

@Injectable()
export class LogStreamService implements OnModuleDestroy {
  private readonly sessions = new Set<LogStreamSession>();

  constructor(
    private readonly settings: AuthSettings,
    private readonly authenticator: Authenticator,
    private readonly access: JobAccess,
    private readonly jobs: JobRepository,
    private readonly logs: JobLogService,
    private readonly broadcaster: JobLogBroadcaster,
    private readonly workspaces: WorkspaceRegistry,
  ) {}

  /** 401 without a valid token (auth on), 400 bad id, 404 missing/hidden job or unknown step. */
  async authorize(req: LogStreamRequest): Promise<JobEntity> {
    let principal: Principal | undefined;
    if (this.settings.enabled) {
      const bearer = /^Bearer\s+(\S+)\s*$/i.exec(req.authorization ?? '')?.[1];
      const token = bearer ?? req.token;
      const found = token ? await this.authenticator.authenticateToken(token) : null;
      if (!found) throw unauthorized('Authentication required');
      principal = found;
    }
    const id = requireJobId(req.jobId);
    const job = await this.access.findViewable(principal, id);
    if (req.step !== undefined && req.step !== SERVER_STEP) {
      const found = await this.jobs.findWithSteps(id);
      if (!found?.steps.some((s) => s.stepName === req.step))
        throw notFound(`Step '${req.step}' not found in job ${id}`);
    }
    return job;
  }

  /** Starts streaming `job`'s log into `sink`; returns the function that stops it. */
  open(job: JobEntity, options: LogStreamOptions, sink: LogStreamSink): () => void {
    const session = new LogStreamSession(job.jobId, options, sink, this);
    this.sessions.add(session);
    void session.run();
    return () => {
      session.stop();
      this.sessions.delete(session);
    };
  }

  /** Open streams would hold the HTTP server open: end them first. */
  onModuleDestroy(): void {
    for (const session of this.sessions) session.shutDown();
    this.sessions.clear();
  }

  /** @internal for LogStreamSession */
  deps() {
    return { logs: this.logs, broadcaster: this.broadcaster, jobs: this.jobs };
  }

  /** @internal the job's current status and redactor. */
  async snapshot(jobId: string): Promise<{ status: JobStatus; redactor: SecretRedactor } | null> {
    const found = await this.jobs.findWithSteps(jobId);
    if (!found) return null;
    const config = this.workspaces.get(found.job.workspace)?.current?.config;
    return {
      status: found.job.status,
      redactor: jobRedactor(found.job, found.steps, config).redactor,
    };
  }
}

class LogStreamSession {
  private stopped = false;
  private unsubscribe: (() => void) | undefined;
  private pending: LogChunk[] | undefined = [];
  private pendingBytes = 0;
  /** Log bytes before this offset have been emitted or deliberately skipped. */
  private covered = 0;
  /** The start of a line whose end has not arrived yet (notices split long lines). */
  private carry = Buffer.alloc(0);
  private redactor: SecretRedactor | undefined;
  private pollTimer: NodeJS.Timeout | undefined;
  private ending = false;

  constructor(
    private readonly jobId: string,
    private readonly options: LogStreamOptions,
    private readonly sink: LogStreamSink,
    private readonly service: LogStreamService,
  ) {}

  async run(): Promise<void> {
    const { logs, broadcaster } = this.service.deps();
    this.unsubscribe = broadcaster.subscribe(this.jobId, (chunk) => this.live(chunk));
    try {
      const snapshot = await this.service.snapshot(this.jobId);
      this.redactor = snapshot?.redactor;
      if (this.options.skipBackfill) {
        await logs.flushed(this.jobId);
        // Everything buffered so far came after the subscription: it is live, not backfill.
        this.covered = this.pending?.[0]?.start ?? 0;
        if (this.pending?.length === 0) this.covered = -1;
      } else {
        const text = await logs.read(this.jobId);
        let bytes = Buffer.from(text);
        const lastNewline = bytes.lastIndexOf(0x0a);
        bytes = bytes.subarray(0, lastNewline + 1);
        const from = Math.min(this.options.after ?? 0, bytes.length);
        for (let at = from; at < bytes.length && !this.stopped;) {
          let to = Math.min(at + BACKFILL_SLICE_BYTES, bytes.length);
          if (to < bytes.length) to = bytes.lastIndexOf(0x0a, to - 1) + 1 || bytes.length;
          if (to <= at) to = bytes.indexOf(0x0a, at) + 1 || bytes.length;
          await this.emit(bytes.subarray(at, to), to, true);
          at = to;
        }
        this.covered = bytes.length;
      }
      const buffered = this.pending ?? [];
      this.pending = undefined;
      for (const chunk of buffered) this.live(chunk);
      if (!this.stopped) await this.poll();
    } catch (err) {
      if (err instanceof SlowConsumerError) this.fail(err.message);
      else this.fail(`log stream failed: ${(err as Error).message}`);
    }
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.pollTimer);
    this.unsubscribe?.();
    this.pending = undefined;
  }

  private live(chunk: LogChunk): void {
    if (this.stopped) return;
    if (this.pending) {
      this.pending.push(chunk);
      this.pendingBytes += chunk.end - chunk.start;
      if (this.pendingBytes > MAX_PENDING_BYTES)
        this.fail('slow consumer: too much log arrived while the backfill was being sent');
      return;
    }
    if (this.covered === -1) this.covered = chunk.start;
    if (chunk.end <= this.covered) return;
    let bytes = Buffer.from(chunk.text);
    // A gap (a missed notice, or a peer whose log folder we do not share): take what we have.
    if (chunk.start < this.covered) bytes = bytes.subarray(this.covered - chunk.start);
    this.covered = chunk.end;
    void this.emit(bytes, chunk.end, false).catch((err: Error) => this.fail(err.message));
  }

  /** Whole lines of `bytes` (plus any carried start) to the sink; the rest is carried. */
  private async emit(bytes: Buffer, end: number, await_: boolean): Promise<void> {
    if (this.carry.length > 0) bytes = Buffer.concat([this.carry, bytes]);
    const cut = bytes.lastIndexOf(0x0a) + 1;
    this.carry = Buffer.from(bytes.subarray(cut));
    if (cut === 0) return;
    const lines = this.shape(bytes.subarray(0, cut), end - this.carry.length);
    if (lines.length === 0) return;
    const sent = this.sink.send(lines);
    if (await_) {
      let timer: NodeJS.Timeout | undefined;
      const stall = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new SlowConsumerError('slow consumer: the backfill was not read')),
          STALL_TIMEOUT_MS,
        );
      });
      try {
        await Promise.race([sent, stall]);
      } finally {
        clearTimeout(timer);
      }
    } else {
      sent.catch(() => undefined);
      if (this.sink.buffered() > MAX_BUFFERED_BYTES)
        throw new SlowConsumerError(
          `slow consumer: over ${MAX_BUFFERED_BYTES / (1024 * 1024)} MiB of log waiting to be read`,
        );
    }
  }

  /** `bytes` (whole lines ending at log offset `end`) as lines: step filter, secret redaction. */
  private shape(bytes: Buffer, end: number): LogStreamLine[] {
    const out: LogStreamLine[] = [];
    let offset = end - bytes.length;
    for (const line of bytes.toString().split('\n')) {
      if (line === '' && offset >= end) break;
      offset += Buffer.byteLength(line) + 1;
      if (line === '' || !this.wanted(line)) continue;
      out.push({ line: this.redactor ? this.redactor.redactLog(line) : line, end: offset });
    }
    return out;
  }

  private wanted(line: string): boolean {
    if (this.options.step === undefined) return true;
    try {
      return (JSON.parse(line) as { step?: unknown }).step === this.options.step;
    } catch {
      return false;
    }
  }

  private async poll(): Promise<void> {
    if (this.stopped || this.ending) return;
    const snapshot = await this.service.snapshot(this.jobId).catch(() => null);
    if (this.stopped) return;
    if (snapshot) {
      this.redactor = snapshot.redactor;
      if (isTerminalJobStatus(snapshot.status)) {
        this.ending = true;
        const { logs, broadcaster } = this.service.deps();
        await logs.flushed(this.jobId);
        await broadcaster.sync();
        if (this.stopped) return;
        this.stop();
        this.sink.finish(snapshot.status);
        return;
      }
    }
    this.pollTimer = setTimeout(() => void this.poll(), STATUS_POLL_MS);
    this.pollTimer.unref();
  }

  shutDown(): void {
    if (this.stopped) return;
    this.stop();
    this.sink.drop('the server is shutting down', true);
  }

  private fail(reason: string): void {
    if (this.stopped) return;
    this.stop();
    this.sink.drop(reason);
  }
}
