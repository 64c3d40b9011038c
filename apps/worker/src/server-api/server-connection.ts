/**
 * HTTP to the Strøm server, on node:http(s) so that the connect timeout and the request timeout
 * of the worker config both apply (global fetch cannot set a connect timeout).
 */
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';

/** A failed call; `transient` says whether trying again later may succeed. */
export class ServerApiError extends Error {
  constructor(
    message: string,
    readonly status: number | undefined,
    readonly transient: boolean,
    readonly aborted = false,
  ) {
    super(message);
  }
}

export interface ServerConnectionOptions {
  serverUrl: string;
  token?: string;
  requestTimeoutMs: number;
  connectTimeoutMs: number;
}

export interface CallOptions {
  /** Overrides the request timeout (a long-poll claim waits longer). */
  timeoutMs?: number;
  signal?: AbortSignal;
  headers?: Record<string, string>;
}

export interface StreamResponse {
  status: number;
  headers: IncomingMessage['headers'];
  body: IncomingMessage;
}

function isTransientStatus(status: number): boolean {
  return status >= 500 || status === 408 || status === 429;
}

export class ServerConnection {
  private readonly base: URL;
  private readonly agent: HttpAgent;

  constructor(private readonly options: ServerConnectionOptions) {
    this.base = new URL(
      options.serverUrl.endsWith('/') ? options.serverUrl : `${options.serverUrl}/`,
    );
    this.agent =
      this.base.protocol === 'https:'
        ? new HttpsAgent({ keepAlive: true })
        : new HttpAgent({ keepAlive: true });
  }

  async postJson<T>(path: string, body: unknown, options: CallOptions = {}): Promise<T> {
    return this.json<T>('POST', path, body, options);
  }

  async getJson<T>(path: string, options: CallOptions = {}): Promise<T> {
    return this.json<T>('GET', path, undefined, options);
  }

  /** Raw bytes (a state tarball, an artifact file) with their content type; a JSON answer. */
  async postBinary<T>(
    path: string,
    body: Buffer,
    contentType: string,
    options: CallOptions = {},
  ): Promise<T> {
    return this.json<T>('POST', path, body, {
      ...options,
      headers: { ...options.headers, 'content-type': contentType },
    });
  }

  async delete(path: string, options: CallOptions = {}): Promise<void> {
    await this.json<unknown>('DELETE', path, undefined, options);
  }

  /** A GET whose body the caller streams; any status is returned, none is thrown. */
  stream(path: string, options: CallOptions = {}): Promise<StreamResponse> {
    return this.send('GET', path, undefined, options, true);
  }

  close(): void {
    this.agent.destroy();
  }

  private async json<T>(
    method: string,
    path: string,
    body: unknown,
    options: CallOptions,
  ): Promise<T> {
    const response = await this.send(method, path, body, options, false);
    const text = await readText(response.body, `${method} ${path}`);
    if (response.status < 200 || response.status >= 300) {
      throw new ServerApiError(
        `${method} ${path}: HTTP ${response.status}${describeErrorBody(text)}`,
        response.status,
        isTransientStatus(response.status),
      );
    }
    if (text === '') return undefined as T;
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new ServerApiError(`${method} ${path}: the answer is not JSON`, response.status, true);
    }
  }

  private send(
    method: string,
    path: string,
    body: unknown,
    options: CallOptions,
    idleTimeout: boolean,
  ): Promise<StreamResponse> {
    const url = new URL(path.replace(/^\//, ''), this.base);
    const payload =
      body === undefined || Buffer.isBuffer(body) ? body : Buffer.from(JSON.stringify(body));
    const headers: Record<string, string> = { accept: 'application/json', ...options.headers };
    if (this.options.token) headers['authorization'] = `Bearer ${this.options.token}`;
    if (payload) {
      headers['content-type'] ??= 'application/json';
      headers['content-length'] = String(payload.length);
    }
    const what = `${method} ${url.pathname}`;
    const timeoutMs = options.timeoutMs ?? this.options.requestTimeoutMs;

    return new Promise<StreamResponse>((resolve, reject) => {
      if (options.signal?.aborted) {
        reject(new ServerApiError(`${what}: aborted`, undefined, false, true));
        return;
      }
      const requestFn = url.protocol === 'https:' ? httpsRequest : httpRequest;
      const req = requestFn(url, { method, headers, agent: this.agent });
      let failure: ServerApiError | undefined;
      let response: IncomingMessage | undefined;
      const fail = (error: ServerApiError) => {
        failure ??= error;
        req.destroy(failure);
        response?.destroy(failure);
      };

      const onAbort = () => fail(new ServerApiError(`${what}: aborted`, undefined, false, true));
      options.signal?.addEventListener('abort', onAbort, { once: true });
      const cleanup = () => {
        options.signal?.removeEventListener('abort', onAbort);
        clearTimeout(totalTimer);
      };
      const timedOut = () =>
        new ServerApiError(`${what}: no answer within ${timeoutMs / 1000}s`, undefined, true);
      // JSON calls have a deadline for the whole exchange; a download only an idle limit.
      const totalTimer = idleTimeout ? undefined : setTimeout(() => fail(timedOut()), timeoutMs);
      if (idleTimeout) req.setTimeout(timeoutMs, () => fail(timedOut()));

      req.on('socket', (socket) => {
        if (!socket.connecting) return;
        const connectTimer = setTimeout(
          () =>
            fail(
              new ServerApiError(
                `${what}: could not connect to ${url.host} within ${this.options.connectTimeoutMs / 1000}s`,
                undefined,
                true,
              ),
            ),
          this.options.connectTimeoutMs,
        );
        socket.once('connect', () => clearTimeout(connectTimer));
        socket.once('close', () => clearTimeout(connectTimer));
      });
      req.on('response', (res) => {
        response = res;
        res.on('close', cleanup);
        res.on('error', () => cleanup());
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: res });
      });
      req.on('error', (err) => {
        cleanup();
        reject(
          failure ?? new ServerApiError(`${what}: ${err.message || String(err)}`, undefined, true),
        );
      });
      req.end(payload);
    });
  }
}

function readText(body: IncomingMessage, what: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    body.on('data', (chunk: Buffer) => chunks.push(chunk));
    body.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    body.on('error', (err) =>
      reject(
        err instanceof ServerApiError
          ? err
          : new ServerApiError(`${what}: ${err.message}`, undefined, true),
      ),
    );
  });
}

/** `: <message>` from an `{"error": "…"}` body, else the start of the body. */
function describeErrorBody(text: string): string {
  if (text === '') return '';
  try {
    const parsed = JSON.parse(text) as { error?: unknown };
    if (typeof parsed.error === 'string') return `: ${parsed.error}`;
  } catch {
    // not JSON
  }
  return `: ${text.slice(0, 200)}`;
}
