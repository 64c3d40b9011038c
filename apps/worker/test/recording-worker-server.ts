/**
 * A stand-in for the Strøm server's worker API (reference §3.4) for the worker's own tests: a
 * real node:http server on loopback that records every request, parks claims until a test
 * queues a step, serves workspace tarballs with ETag/304, and can fail chosen requests. The real
 * server pairing is tested in e2e/.
 */
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { c as createTar } from 'tar';

export interface RecordedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
  at: number;
}

export interface QueuedStep {
  workspace?: string;
  job_id: string;
  task_name?: string;
  step_name: string;
  action_name?: string;
  action_type?: string;
  action_spec?: Record<string, unknown>;
  runner?: string | null;
  timeout_secs?: number;
  revision?: string;
  input?: unknown;
}

interface ParkedClaim {
  res: ServerResponse;
  timer: NodeJS.Timeout;
}

interface Failure {
  pattern: RegExp;
  remaining: number;
  status: number;
}

const EMPTY_CLAIM = {
  workspace: null,
  job_id: null,
  task_name: null,
  step_name: null,
  action_name: null,
  action_type: null,
  action_image: null,
  action_spec: null,
  input: null,
  runner: null,
};

export class RecordingWorkerServer {
  readonly requests: RecordedRequest[] = [];
  /** Job ids whose `GET …/cancelled` answers true. */
  readonly cancelledJobs = new Set<string>();
  /** Worker ids the server has "forgotten": heartbeats and claims get 404. */
  readonly forgottenWorkers = new Set<string>();
  /** workspace → revision → gzip tarball; the last one added is current. */
  readonly tarballs = new Map<string, Map<string, Buffer>>();
  private readonly queue: QueuedStep[] = [];
  private readonly parked: ParkedClaim[] = [];
  private readonly failures: Failure[] = [];
  private readonly listeners = new Set<() => void>();
  private registrations = 0;

  private constructor(private readonly server: Server) {}

  static async start(port = 0): Promise<RecordingWorkerServer> {
    const server = createServer();
    const recording = new RecordingWorkerServer(server);
    server.on('request', (req, res) => void recording.handle(req, res));
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    return recording;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Queues a step for the next claim, answering a parked claim at once. */
  enqueueStep(step: QueuedStep): void {
    this.queue.push(step);
    this.answerParked();
  }

  /** The next `count` requests whose path matches `pattern` answer `status`. */
  failNext(pattern: RegExp, count: number, status = 500): void {
    this.failures.push({ pattern, remaining: count, status });
  }

  addWorkspaceRevision(workspace: string, revision: string, tarball: Buffer): void {
    const revisions = this.tarballs.get(workspace) ?? new Map<string, Buffer>();
    revisions.delete(revision);
    revisions.set(revision, tarball);
    this.tarballs.set(workspace, revisions);
  }

  requestsTo(pattern: RegExp, method?: string): RecordedRequest[] {
    return this.requests.filter((r) => pattern.test(r.path) && (!method || r.method === method));
  }

  /** Every log line the worker sent for a job, in arrival order. */
  logLines(jobId: string): Array<{ step_name: string; ts: string; stream: string; line: string }> {
    return this.requestsTo(new RegExp(`^/worker/jobs/${jobId}/logs$`), 'POST').flatMap((r) =>
      (r.body.lines as Array<{ ts: string; stream: string; line: string }>).map((l) => ({
        step_name: r.body.step_name as string,
        ...l,
      })),
    );
  }

  /** Resolves with the first recorded request matching `predicate`, waiting for it if needed. */
  waitFor(
    predicate: (r: RecordedRequest) => boolean,
    timeoutMs = 10_000,
  ): Promise<RecordedRequest> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const found = this.requests.find(predicate);
        if (!found) return false;
        this.listeners.delete(check);
        clearTimeout(timer);
        resolve(found);
        return true;
      };
      const timer = setTimeout(() => {
        this.listeners.delete(check);
        reject(new Error(`no matching request within ${timeoutMs} ms`));
      }, timeoutMs);
      if (!check()) this.listeners.add(check);
    });
  }

  waitForComplete(jobId: string, step: string, timeoutMs?: number): Promise<RecordedRequest> {
    return this.waitFor(
      (r) => r.method === 'POST' && r.path === `/worker/jobs/${jobId}/steps/${step}/complete`,
      timeoutMs,
    );
  }

  async close(): Promise<void> {
    for (const p of this.parked.splice(0)) {
      clearTimeout(p.timer);
      p.res.destroy();
    }
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const raw = await readBody(req);
    const body: unknown = raw.length > 0 ? JSON.parse(raw.toString('utf8')) : undefined;
    const recorded: RecordedRequest = {
      method: req.method ?? 'GET',
      path: url.pathname,
      query: url.searchParams,
      headers: req.headers,
      body,
      at: Date.now(),
    };
    this.requests.push(recorded);
    for (const listener of [...this.listeners]) listener();

    const failure = this.failures.find((f) => f.remaining > 0 && f.pattern.test(url.pathname));
    if (failure) {
      failure.remaining--;
      return json(res, failure.status, { error: 'injected failure' });
    }
    const path = url.pathname;
    const b = (body ?? {}) as Record<string, unknown>;

    if (path === '/worker/register') {
      return json(res, 200, { worker_id: `worker-${++this.registrations}` });
    }
    if (path === '/worker/heartbeat') {
      if (this.forgottenWorkers.has(b['worker_id'] as string))
        return json(res, 404, { error: 'Worker not found' });
      return json(res, 200, { status: 'ok' });
    }
    if (path === '/worker/jobs/claim') {
      if (this.forgottenWorkers.has(b['worker_id'] as string))
        return json(res, 404, { error: 'Worker not found' });
      const step = this.queue.shift();
      if (step) return json(res, 200, claimAnswer(step));
      const waitMs = Number(b['wait_secs'] ?? 0) * 1000;
      if (waitMs <= 0) return json(res, 200, EMPTY_CLAIM);
      const parked: ParkedClaim = {
        res,
        timer: setTimeout(() => {
          this.unpark(parked);
          json(res, 200, EMPTY_CLAIM);
        }, waitMs),
      };
      res.on('close', () => {
        clearTimeout(parked.timer);
        this.unpark(parked);
      });
      this.parked.push(parked);
      return;
    }
    let m = /^\/worker\/jobs\/([^/]+)\/cancelled$/.exec(path);
    if (m) return json(res, 200, { cancelled: this.cancelledJobs.has(decodeURIComponent(m[1])) });
    if (/^\/worker\/jobs\/[^/]+\/logs$/.test(path)) return json(res, 200, { status: 'ok' });
    if (/^\/worker\/jobs\/[^/]+\/steps\/[^/]+\/(start|complete)$/.test(path))
      return json(res, 200, { status: 'ok' });
    m = /^\/worker\/workspace\/(.+)\.tar\.gz$/.exec(path);
    if (m) return this.serveTarball(decodeURIComponent(m[1]), url, req, res);
    return json(res, 404, { error: `no route ${req.method} ${path}` });
  }

  private serveTarball(
    workspace: string,
    url: URL,
    req: IncomingMessage,
    res: ServerResponse,
  ): void {
    const revisions = this.tarballs.get(workspace);
    if (!revisions) return json(res, 404, { error: `Workspace '${workspace}' not found` });
    const pinned = url.searchParams.get('revision');
    const revision = pinned ?? [...revisions.keys()].pop();
    const tarball = revision ? revisions.get(revision) : undefined;
    if (!revision || !tarball) return json(res, 404, { error: `Revision '${pinned}' not found` });
    const etag = `"${revision}"`;
    if (req.headers['if-none-match'] === etag) {
      res.writeHead(304, { etag, 'x-revision': revision });
      res.end();
      return;
    }
    res.writeHead(200, {
      'content-type': 'application/gzip',
      'content-length': tarball.length,
      etag,
      'x-revision': revision,
    });
    res.end(tarball);
  }

  private unpark(parked: ParkedClaim): void {
    const i = this.parked.indexOf(parked);
    if (i >= 0) this.parked.splice(i, 1);
  }

  private answerParked(): void {
    while (this.queue.length > 0 && this.parked.length > 0) {
      const parked = this.parked.shift() as ParkedClaim;
      clearTimeout(parked.timer);
      if (parked.res.destroyed) continue;
      json(parked.res, 200, claimAnswer(this.queue.shift() as QueuedStep));
    }
  }
}

function claimAnswer(step: QueuedStep): Record<string, unknown> {
  return {
    ...EMPTY_CLAIM,
    workspace: step.workspace ?? 'default',
    task_name: step.task_name ?? 'test-task',
    action_name: step.action_name ?? step.step_name,
    action_type: step.action_type ?? 'script',
    action_spec: step.action_spec ?? { type: 'script', script: 'true' },
    input: step.input ?? {},
    runner: step.runner === undefined ? 'local' : step.runner,
    ...step,
  };
}

function json(res: ServerResponse, status: number, body: unknown): void {
  if (res.destroyed) return;
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** A real gzip tarball (built with `tar`) of `files` (path → content; mode 755 for `*.sh`). */
export async function makeTarball(files: Record<string, string>): Promise<Buffer> {
  const dir = await mkdtemp(join(tmpdir(), 'stroem-tarball-'));
  try {
    for (const [name, content] of Object.entries(files)) {
      const path = join(dir, name);
      await mkdir(dirname(path), { recursive: true });
      await writeFile(path, content, { mode: name.endsWith('.sh') ? 0o755 : 0o644 });
    }
    const chunks: Buffer[] = [];
    const stream = createTar({ gzip: true, cwd: dir, portable: true }, Object.keys(files));
    for await (const chunk of stream as AsyncIterable<Buffer>) chunks.push(chunk);
    return Buffer.concat(chunks);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
