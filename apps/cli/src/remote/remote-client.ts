/**
 * How every server-facing command talks to Strøm: which server (`--server`, `STROEM_SERVER`, the
 * default), which token (`--token`, `STROEM_TOKEN`, then what `stroem login` stored), JSON
 * requests with `Authorization: Bearer`, one transparent refresh when a stored access token has
 * expired, and errors the user can act on. Tokens never appear in a message.
 */
import { CliError, EXIT } from '../cli-error';
import { CredentialStore, normaliseServerUrl } from './credential-store';

export const DEFAULT_SERVER = 'http://127.0.0.1:8080';
const REQUEST_TIMEOUT_MS = 30_000;
const REFRESH_COOKIE = 'stroem_refresh';

export interface RemoteOptions {
  server?: string;
  token?: string;
}

/** Where the token of a request comes from; decides what a 401 should tell the user. */
export type TokenSource = 'option' | 'env' | 'stored' | 'none';

/** The server answered with an error status; `message` carries its `{error}` text. */
export class RemoteError extends CliError {
  constructor(
    message: string,
    readonly status: number,
    /** The server's `error` field (or the HTTP reason when the body had none). */
    readonly serverMessage: string,
    /** 429 only: seconds to wait, from `Retry-After` (or `retry_after_secs`). */
    readonly retryAfterSecs?: number,
  ) {
    super(message, EXIT.failed);
  }
}

/** No HTTP answer at all: refused, DNS, TLS, timeout. */
export class ServerUnreachableError extends CliError {
  constructor(
    readonly server: string,
    reason: string,
  ) {
    super(`cannot reach the Strøm server at ${server}: ${reason}`, EXIT.failed);
  }
}

export interface RemoteResponse<T> {
  status: number;
  body: T;
  headers: Headers;
}

export interface RequestOptions {
  body?: unknown;
  /** Send the bearer token (default true); login, refresh and logout go without one. */
  authenticate?: boolean;
}

/** `--server`, else `STROEM_SERVER`, else the local default; normalised. */
export function resolveServer(options: RemoteOptions, env: NodeJS.ProcessEnv): string {
  return normaliseServerUrl(options.server || env['STROEM_SERVER'] || DEFAULT_SERVER);
}

/** The client for `options` + `env`: an explicit token beats the stored credentials. */
export function resolveRemote(
  options: RemoteOptions,
  env: NodeJS.ProcessEnv,
  store: CredentialStore = CredentialStore.fromEnv(env),
): RemoteClient {
  const server = resolveServer(options, env);
  if (options.token) return new RemoteClient(server, store, options.token, 'option');
  const fromEnv = env['STROEM_TOKEN'];
  if (fromEnv) return new RemoteClient(server, store, fromEnv, 'env');
  const stored = store.get(server);
  if (stored) return new RemoteClient(server, store, stored.access_token, 'stored');
  return new RemoteClient(server, store, undefined, 'none');
}

/** The `stroem_refresh` value of a login or refresh answer's `Set-Cookie` headers. */
export function refreshTokenFromCookies(headers: Headers): string | undefined {
  for (const cookie of headers.getSetCookie()) {
    const [pair] = cookie.split(';');
    const eq = pair.indexOf('=');
    if (eq < 0 || pair.slice(0, eq).trim() !== REFRESH_COOKIE) continue;
    const value = pair.slice(eq + 1).trim();
    if (value === '') return undefined;
    try {
      return decodeURIComponent(value);
    } catch {
      return value;
    }
  }
  return undefined;
}

export class RemoteClient {
  constructor(
    readonly server: string,
    private readonly store: CredentialStore,
    private token: string | undefined,
    readonly tokenSource: TokenSource,
  ) {}

  get hasToken(): boolean {
    return this.token !== undefined;
  }

  async get<T>(path: string, options: Omit<RequestOptions, 'body'> = {}): Promise<T> {
    return (await this.request<T>('GET', path, options)).body;
  }

  async post<T>(path: string, body?: unknown, options: RequestOptions = {}): Promise<T> {
    return (await this.request<T>('POST', path, { ...options, body })).body;
  }

  /** Throws RemoteError for any status ≥ 400 (after one refresh-and-retry on a stored login's 401). */
  async request<T>(
    method: string,
    path: string,
    options: RequestOptions = {},
  ): Promise<RemoteResponse<T>> {
    const authenticate = options.authenticate ?? true;
    let sent = authenticate ? this.token : undefined;
    let res = await this.send(method, path, options.body, sent);
    if (res.status === 401 && sent !== undefined && this.tokenSource === 'stored') {
      if (await this.renewStoredToken(sent)) {
        sent = this.token;
        res = await this.send(method, path, options.body, sent);
      }
    }
    if (res.status >= 400) throw this.errorFor(res, authenticate);
    return { status: res.status, body: this.parseJson<T>(res), headers: res.headers };
  }

  /**
   * A streaming GET (Server-Sent Events): the open response, its body unread. Errors, and the
   * refresh on a stored login's 401, as for request(); no timeout once the stream is open.
   */
  async stream(path: string, signal?: AbortSignal): Promise<Response> {
    const open = async (token: string | undefined): Promise<Response> => {
      const headers: Record<string, string> = { accept: 'text/event-stream' };
      if (token !== undefined) headers['authorization'] = `Bearer ${token}`;
      try {
        return await fetch(`${this.server}${path}`, { headers, signal });
      } catch (err) {
        throw new ServerUnreachableError(this.server, unreachableReason(err));
      }
    };
    let sent = this.token;
    let res = await open(sent);
    if (res.status === 401 && sent !== undefined && this.tokenSource === 'stored') {
      await res.body?.cancel();
      if (await this.renewStoredToken(sent)) {
        sent = this.token;
        res = await open(sent);
      }
    }
    if (res.status >= 400) {
      const text = await res.text().catch(() => '');
      throw this.errorFor(
        { status: res.status, statusText: res.statusText, headers: res.headers, text },
        true,
      );
    }
    return res;
  }

  /**
   * After a 401 with a stored access token: take the newer token another `stroem` process may
   * have stored meanwhile, else trade the refresh token for a new pair (the old refresh token
   * dies on use, so the new one is stored at once). False when there is nothing to renew with.
   */
  private async renewStoredToken(rejected: string): Promise<boolean> {
    const current = this.store.get(this.server);
    if (!current) return false;
    if (current.access_token !== rejected) {
      this.token = current.access_token;
      return true;
    }
    if (!current.refresh_token) return false;
    const res = await this.send(
      'POST',
      '/api/auth/refresh',
      { refresh_token: current.refresh_token },
      undefined,
    );
    if (res.status === 401) return false;
    if (res.status >= 400) throw this.errorFor(res, false);
    const body = this.parseJson<{ access_token?: unknown; refresh_token?: unknown }>(res);
    if (typeof body.access_token !== 'string') {
      throw new CliError(
        `unexpected answer from ${this.server} to a token refresh: no access_token`,
        EXIT.failed,
      );
    }
    const rotated =
      typeof body.refresh_token === 'string'
        ? body.refresh_token
        : (refreshTokenFromCookies(res.headers) ?? current.refresh_token);
    this.store.put({ ...current, access_token: body.access_token, refresh_token: rotated });
    this.token = body.access_token;
    return true;
  }

  private async send(
    method: string,
    path: string,
    body: unknown,
    token: string | undefined,
  ): Promise<RawResponse> {
    const headers: Record<string, string> = { accept: 'application/json' };
    // A Buffer is sent as is (a state tarball); anything else as JSON.
    const raw = Buffer.isBuffer(body);
    if (body !== undefined) headers['content-type'] = raw ? 'application/gzip' : 'application/json';
    if (token !== undefined) headers['authorization'] = `Bearer ${token}`;
    let res: Response;
    try {
      res = await fetch(`${this.server}${path}`, {
        method,
        headers,
        body: body === undefined ? undefined : raw ? body : JSON.stringify(body),
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
    } catch (err) {
      throw new ServerUnreachableError(this.server, unreachableReason(err));
    }
    let text: string;
    try {
      text = await res.text();
    } catch (err) {
      throw new ServerUnreachableError(this.server, unreachableReason(err));
    }
    return { status: res.status, statusText: res.statusText, headers: res.headers, text };
  }

  private parseJson<T>(res: RawResponse): T {
    if (res.text.trim() === '') return undefined as T;
    try {
      return JSON.parse(res.text) as T;
    } catch {
      throw new CliError(
        `unexpected answer from ${this.server} (HTTP ${res.status}, not JSON): is it a Strøm server?`,
        EXIT.failed,
      );
    }
  }

  private errorFor(res: RawResponse, authenticated: boolean): RemoteError {
    let body: { error?: unknown; retry_after_secs?: unknown } = {};
    try {
      body = JSON.parse(res.text) as typeof body;
    } catch {
      // a proxy's HTML page, or nothing: the status line says enough
    }
    const serverMessage =
      typeof body?.error === 'string' && body.error !== ''
        ? body.error
        : `${res.status} ${res.statusText}`.trim();
    const detail = `${serverMessage} (HTTP ${res.status} from ${this.server})`;
    if (res.status === 429) {
      const header = Number(res.headers.get('retry-after'));
      const fromBody = typeof body?.retry_after_secs === 'number' ? body.retry_after_secs : NaN;
      const retryAfter = Number.isFinite(header) && header >= 0 ? header : fromBody;
      const wait = Number.isFinite(retryAfter) ? retryAfter : undefined;
      const hint = wait === undefined ? 'try again later' : `try again in ${wait} s`;
      return new RemoteError(`${detail}: ${hint}`, 429, serverMessage, wait);
    }
    if (res.status === 401 && authenticated) {
      return new RemoteError(this.unauthorisedMessage(detail), 401, serverMessage);
    }
    return new RemoteError(detail, res.status, serverMessage);
  }

  private unauthorisedMessage(detail: string): string {
    switch (this.tokenSource) {
      case 'option':
        return `the token given with --token was rejected: ${detail}`;
      case 'env':
        return `the token in STROEM_TOKEN was rejected: ${detail}`;
      case 'stored':
        return `not logged in to ${this.server} (the stored credentials were rejected): run stroem login`;
      case 'none':
        return `not logged in to ${this.server}: run stroem login (or pass --token / set STROEM_TOKEN)`;
    }
  }
}

interface RawResponse {
  status: number;
  statusText: string;
  headers: Headers;
  text: string;
}

/**
 * `connect ECONNREFUSED 127.0.0.1:8080`, `no answer within 30 s`… from fetch's nested causes.
 * Duck-typed: under jest the errors come from another realm, where `instanceof Error` fails.
 */
function unreachableReason(err: unknown): string {
  const name = (err as { name?: unknown } | null)?.name;
  if (name === 'TimeoutError' || name === 'AbortError') {
    return `no answer within ${REQUEST_TIMEOUT_MS / 1000} s`;
  }
  let current = err as { code?: unknown; message?: unknown; cause?: unknown } | null;
  for (let depth = 0; depth < 5 && current && typeof current === 'object'; depth++) {
    const message = typeof current.message === 'string' ? current.message : '';
    if (typeof current.code === 'string') {
      if (message === '' || message.includes(current.code)) return message || current.code;
      return `${current.code} (${message})`;
    }
    if (!current.cause || typeof current.cause !== 'object') return message || String(err);
    current = current.cause as typeof current;
  }
  return String(err);
}
