/**
 * The REST API as a black box: plain HTTP calls and bounded polling. Shapes follow the upstream
 * API (reference §3.1); the tests assert them, so they are typed loosely here.
 */

export interface HttpResult<T = unknown> {
  status: number;
  /** Parsed JSON, or the raw text when the body is not JSON. */
  body: T;
  text: string;
  headers: Headers;
}

export interface JobStep {
  step_name: string;
  action_name: string | null;
  status: string;
  output: unknown;
  error_message: string | null;
  started_at: string | null;
  completed_at: string | null;
  [field: string]: unknown;
}

export interface JobDetail {
  job_id: string;
  workspace: string;
  task_name: string;
  status: string;
  source_type: string;
  source_id: string | null;
  input: unknown;
  output: unknown;
  created_at: string;
  started_at: string | null;
  completed_at: string | null;
  steps: JobStep[];
  [field: string]: unknown;
}

export const TERMINAL_JOB_STATUSES = ['completed', 'failed', 'cancelled', 'skipped'];

export class Api {
  /** Sent as `Authorization: Bearer …` unless a request sets its own header. */
  token: string | undefined;

  constructor(readonly baseUrl: string) {}

  /** `POST /api/auth/login`; later requests carry the access token. */
  async login(email: string, password: string): Promise<string> {
    const res = await this.post<{ access_token?: string }>('/api/auth/login', { email, password });
    if (res.status !== 200 || typeof res.body?.access_token !== 'string')
      throw new Error(`login as ${email} answered ${res.status}: ${res.text}`);
    this.token = res.body.access_token;
    return this.token;
  }

  async request<T = unknown>(
    method: string,
    path: string,
    options: { json?: unknown; body?: string; headers?: Record<string, string> } = {},
  ): Promise<HttpResult<T>> {
    const headers: Record<string, string> = {
      ...(this.token ? { authorization: `Bearer ${this.token}` } : {}),
      ...options.headers,
    };
    let body = options.body;
    if (options.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(options.json);
    }
    const res = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers,
      body,
      signal: AbortSignal.timeout(15_000),
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text === '' ? null : JSON.parse(text);
    } catch {
      // not JSON: keep the text
    }
    return { status: res.status, body: parsed as T, text, headers: res.headers };
  }

  get<T = unknown>(path: string): Promise<HttpResult<T>> {
    return this.request<T>('GET', path);
  }

  post<T = unknown>(path: string, json?: unknown): Promise<HttpResult<T>> {
    return this.request<T>('POST', path, { json: json ?? {} });
  }

  /** `POST /api/workspaces/{ws}/tasks/{task}/execute`; returns the job id, failing on anything but 200. */
  async execute(workspace: string, task: string, input?: Record<string, unknown>): Promise<string> {
    const path = `/api/workspaces/${workspace}/tasks/${task}/execute`;
    const res = await this.post<{ job_id?: string }>(path, input === undefined ? {} : { input });
    if (res.status !== 200 || typeof res.body?.job_id !== 'string') {
      throw new Error(`POST ${path} answered ${res.status}: ${res.text}`);
    }
    return res.body.job_id;
  }

  async job(jobId: string): Promise<JobDetail> {
    const res = await this.get<JobDetail>(`/api/jobs/${jobId}`);
    if (res.status !== 200)
      throw new Error(`GET /api/jobs/${jobId} answered ${res.status}: ${res.text}`);
    return res.body;
  }

  async logs(jobId: string): Promise<string> {
    const res = await this.get<{ logs: string }>(`/api/jobs/${jobId}/logs`);
    if (res.status !== 200) {
      throw new Error(`GET /api/jobs/${jobId}/logs answered ${res.status}: ${res.text}`);
    }
    return res.body.logs;
  }

  async stepLogs(jobId: string, step: string): Promise<string> {
    const path = `/api/jobs/${jobId}/steps/${step}/logs`;
    const res = await this.get<{ logs: string }>(path);
    if (res.status !== 200) throw new Error(`GET ${path} answered ${res.status}: ${res.text}`);
    return res.body.logs;
  }

  /** Polls the job until it is terminal (or `until` says so); fails with the last state seen. */
  async waitForJob(
    jobId: string,
    options: { timeoutMs?: number; until?: (job: JobDetail) => boolean; what?: string } = {},
  ): Promise<JobDetail> {
    const until = options.until ?? ((job) => TERMINAL_JOB_STATUSES.includes(job.status));
    const what = options.what ?? 'a terminal status';
    return poll(
      () => this.job(jobId),
      until,
      options.timeoutMs ?? 60_000,
      (last) => `job ${jobId} did not reach ${what}; last seen: ${JSON.stringify(last, null, 2)}`,
    );
  }
}

/**
 * Calls `probe` every 100 ms until `done(value)` holds; throws `describe(last value)` when
 * `timeoutMs` passes. Errors of `probe` count as "not yet" (the last one is reported).
 */
export async function poll<T>(
  probe: () => Promise<T>,
  done: (value: T) => boolean,
  timeoutMs: number,
  describe: (last: T | undefined) => string,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  let lastError: unknown;
  for (;;) {
    try {
      last = await probe();
      lastError = undefined;
      if (done(last)) return last;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) {
      const cause = lastError instanceof Error ? ` (last error: ${lastError.message})` : '';
      throw new Error(`${describe(last)}${cause} — after ${timeoutMs} ms`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}
