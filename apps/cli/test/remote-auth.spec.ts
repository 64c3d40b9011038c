/**
 * `stroem login`, `whoami`, `logout` and the RemoteClient every server-facing command uses,
 * against real servers: one with authentication, one without, and one with a tight login limit.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { CredentialStore, type StoredCredentials } from '../src/remote/credential-store';
import {
  RemoteError,
  refreshTokenFromCookies,
  resolveRemote,
  ServerUnreachableError,
} from '../src/remote/remote-client';
import { BIN, REPO_ROOT, type CliResult } from './cli-harness';
import { ServerProcess, TEST_AUTH, freePort } from './server-process';

jest.setTimeout(60_000);

const ADMIN = { email: 'admin@stroem.local', password: 'admin' };

let secured: ServerProcess;
let open: ServerProcess;
let strict: ServerProcess;

beforeAll(async () => {
  secured = await ServerProcess.start({ auth: TEST_AUTH });
  [open, strict] = await Promise.all([
    ServerProcess.start({}, secured.databaseUrl),
    ServerProcess.start(
      { auth: { ...TEST_AUTH, rate_limits: { ...TEST_AUTH.rate_limits, login_per_min: 1 } } },
      secured.databaseUrl,
    ),
  ]);
}, 180_000);

afterAll(async () => {
  await Promise.all([open?.stop(), strict?.stop()]);
  await secured?.stop();
}, 60_000);

/** A fresh HOME and XDG_CONFIG_HOME per test: no credentials unless the test stores some. */
let home: string;
let env: NodeJS.ProcessEnv;
let store: CredentialStore;
beforeEach(() => {
  home = mkdtempSync(join(tmpdir(), 'stroem-cli-home-'));
  env = { HOME: home, XDG_CONFIG_HOME: join(home, 'config') };
  store = CredentialStore.fromEnv(env);
});
afterEach(() => {
  if (home) rmSync(home, { recursive: true, force: true });
});

/** `bin/stroem.js` with the test's HOME/XDG (and `extraEnv`), `stdin` piped in. */
function stroem(args: string[], options: { stdin?: string; env?: NodeJS.ProcessEnv } = {}) {
  const inherited = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !name.startsWith('STROEM')),
  );
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: REPO_ROOT,
    env: { ...inherited, ...env, NO_COLOR: '1', ...options.env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  child.stdin.end(options.stdin ?? '');
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise<CliResult>((done) =>
    child.on('close', (code) => done({ code, stdout, stderr })),
  );
}

function loginWithStdin(server: string, password = ADMIN.password): Promise<CliResult> {
  return stroem(['login', '--server', server, '--email', ADMIN.email, '--password-stdin'], {
    stdin: `${password}\n`,
  });
}

/** Tokens of a fresh session, straight from the API. */
async function apiLogin(server: string): Promise<{ access: string; refresh: string }> {
  const res = await fetch(`${server}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(ADMIN),
  });
  const body = (await res.json()) as { access_token: string };
  const refresh = refreshTokenFromCookies(res.headers);
  if (res.status !== 200 || !refresh) throw new Error(`login failed: ${res.status}`);
  return { access: body.access_token, refresh };
}

async function createApiKey(server: string): Promise<string> {
  const { access } = await apiLogin(server);
  const res = await fetch(`${server}/api/auth/api-keys`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${access}` },
    body: JSON.stringify({ name: 'cli-test' }),
  });
  const body = (await res.json()) as { key?: string };
  if (!body.key) throw new Error(`no API key: ${res.status} ${JSON.stringify(body)}`);
  return body.key;
}

async function refreshStatus(server: string, refreshToken: string): Promise<number> {
  const res = await fetch(`${server}/api/auth/refresh`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ refresh_token: refreshToken }),
  });
  return res.status;
}

function stored(server: string): StoredCredentials | undefined {
  return store.get(server);
}

function expectNoSecrets(result: CliResult, ...secrets: (string | undefined)[]): void {
  for (const secret of secrets) {
    if (!secret) continue;
    expect(result.stdout).not.toContain(secret);
    expect(result.stderr).not.toContain(secret);
  }
}

describe('RemoteClient', () => {
  it('sends the stored access token and returns the JSON answer', async () => {
    const { access, refresh } = await apiLogin(secured.url);
    store.put({
      server: secured.url,
      email: ADMIN.email,
      access_token: access,
      refresh_token: refresh,
    });
    const me = await resolveRemote({ server: secured.url }, env).get<{ email: string }>(
      '/api/auth/me',
    );
    expect(me.email).toBe(ADMIN.email);
  });

  it('refreshes a rejected stored access token once, keeps the rotated refresh token, and retries', async () => {
    const { refresh } = await apiLogin(secured.url);
    store.put({
      server: secured.url,
      email: ADMIN.email,
      access_token: 'expired',
      refresh_token: refresh,
    });

    const client = resolveRemote({ server: secured.url }, env);
    expect((await client.get<{ email: string }>('/api/auth/me')).email).toBe(ADMIN.email);
    const first = stored(secured.url);
    expect(first?.access_token).not.toBe('expired');
    expect(first?.refresh_token).toBeDefined();
    expect(first?.refresh_token).not.toBe(refresh);

    // The rotated token works in its turn (reusing the old one would have revoked the family).
    store.put({ ...(first as StoredCredentials), access_token: 'expired-again' });
    const again = resolveRemote({ server: secured.url }, env);
    expect((await again.get<{ email: string }>('/api/auth/me')).email).toBe(ADMIN.email);
    expect(stored(secured.url)?.refresh_token).not.toBe(first?.refresh_token);
  });

  it('takes the access token another stroem process stored meanwhile instead of refreshing', async () => {
    const { access } = await apiLogin(secured.url);
    store.put({
      server: secured.url,
      email: ADMIN.email,
      access_token: 'expired',
      refresh_token: 'spent',
    });
    const client = resolveRemote({ server: secured.url }, env);
    // Another process refreshed after this one read the file.
    store.put({
      server: secured.url,
      email: ADMIN.email,
      access_token: access,
      refresh_token: 'new',
    });
    expect((await client.get<{ email: string }>('/api/auth/me')).email).toBe(ADMIN.email);
    expect(stored(secured.url)?.refresh_token).toBe('new');
  });

  it('says to log in when the stored session cannot be refreshed', async () => {
    store.put({
      server: secured.url,
      email: ADMIN.email,
      access_token: 'expired',
      refresh_token: 'revoked',
    });
    const error = await resolveRemote({ server: secured.url }, env)
      .get('/api/auth/me')
      .catch((err: unknown) => err);
    expect(error).toBeInstanceOf(RemoteError);
    expect((error as RemoteError).status).toBe(401);
    expect((error as Error).message).toBe(
      `not logged in to ${secured.url} (the stored credentials were rejected): run stroem login`,
    );
  });

  it('lets --token beat STROEM_TOKEN and STROEM_TOKEN beat the stored credentials', async () => {
    const { access, refresh } = await apiLogin(secured.url);
    store.put({
      server: secured.url,
      email: ADMIN.email,
      access_token: access,
      refresh_token: refresh,
    });
    const fromOption = resolveRemote(
      { server: secured.url, token: 'opt' },
      { ...env, STROEM_TOKEN: 'env' },
    );
    expect(fromOption.tokenSource).toBe('option');
    const fromEnv = resolveRemote({ server: secured.url }, { ...env, STROEM_TOKEN: 'env' });
    expect(fromEnv.tokenSource).toBe('env');
    const error = await fromEnv.get('/api/auth/me').catch((err: unknown) => err);
    expect((error as Error).message).toMatch(
      /^the token in STROEM_TOKEN was rejected: .*\(HTTP 401 from http:/,
    );
    // An explicit token is never refreshed: the stored session stays as it was.
    expect(stored(secured.url)?.refresh_token).toBe(refresh);
  });

  it('takes the server from STROEM_SERVER when --server is not given', () => {
    expect(resolveRemote({}, { ...env, STROEM_SERVER: `${secured.url}/` }).server).toBe(
      secured.url,
    );
    expect(resolveRemote({}, env).server).toBe('http://127.0.0.1:8080');
  });

  it("carries the server's error message and the HTTP status", async () => {
    const client = resolveRemote({ server: secured.url }, env);
    const error = await client
      .post('/api/auth/login', { email: ADMIN.email, password: 'wrong' }, { authenticate: false })
      .catch((err: unknown) => err);
    expect(error).toBeInstanceOf(RemoteError);
    expect((error as RemoteError).status).toBe(401);
    expect((error as RemoteError).serverMessage).toBe('Invalid email or password');
    expect((error as Error).message).toBe(
      `Invalid email or password (HTTP 401 from ${secured.url})`,
    );
  });

  it('reports the Retry-After seconds of a 429', async () => {
    const client = resolveRemote({ server: strict.url }, env);
    const attempt = (): Promise<RemoteError> =>
      client
        .post('/api/auth/login', { email: ADMIN.email, password: 'wrong' }, { authenticate: false })
        .then(() => {
          throw new Error('a wrong password was accepted');
        })
        .catch((err: unknown) => err as RemoteError);
    let error = await attempt();
    for (let i = 0; i < 5 && error.status !== 429; i++) error = await attempt();
    expect(error.status).toBe(429);
    expect(error.retryAfterSecs).toBeGreaterThan(0);
    expect(error.message).toMatch(
      new RegExp(`\\(HTTP 429 from .*\\): try again in ${error.retryAfterSecs} s$`),
    );
  });

  it('names the server URL when nothing answers there', async () => {
    const nowhere = `http://127.0.0.1:${await freePort()}`;
    const error = await resolveRemote({ server: nowhere }, env)
      .get('/api/auth/me')
      .catch((err: unknown) => err);
    expect(error).toBeInstanceOf(ServerUnreachableError);
    expect((error as Error).message).toMatch(
      new RegExp(`^cannot reach the Strøm server at ${nowhere}: .*ECONNREFUSED`),
    );
  });
});

describe('stroem login / whoami / logout', () => {
  it('logs in with --password-stdin, stores the credentials 0600, and whoami shows the user', async () => {
    const login = await loginWithStdin(secured.url);
    expect(login).toMatchObject({
      code: 0,
      stdout: `Logged in to ${secured.url} as ${ADMIN.email}\n`,
    });

    const saved = stored(secured.url);
    expect(saved).toEqual({
      server: secured.url,
      email: ADMIN.email,
      access_token: expect.any(String),
      refresh_token: expect.any(String),
      saved_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    });
    expect(store.path).toBe(join(home, 'config/stroem/credentials.json'));
    expect(statSync(store.path).mode & 0o777).toBe(0o600);
    expect(statSync(dirname(store.path)).mode & 0o777).toBe(0o700);
    expectNoSecrets(login, saved?.access_token, saved?.refresh_token, ADMIN.password + '\n');

    const whoami = await stroem(['whoami', '--server', secured.url]);
    expect(whoami.code).toBe(0);
    expect(whoami.stdout).toMatch(new RegExp(`^Server: +${secured.url}$`, 'm'));
    expect(whoami.stdout).toMatch(/^Email: +admin@stroem\.local$/m);
    expect(whoami.stdout).toMatch(/^Admin: +yes$/m);
    expect(whoami.stdout).toMatch(/^Groups: +/m);
    expect(whoami.stdout).toMatch(/^Token: +stored by stroem login$/m);
    expectNoSecrets(whoami, saved?.access_token, saved?.refresh_token);
  });

  it("rejects a wrong password with the server's message and a non-zero exit, storing nothing", async () => {
    const result = await loginWithStdin(secured.url, 'not-the-password');
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      `stroem: login failed: Invalid email or password (HTTP 401 from ${secured.url})\n`,
    );
    expect(result.stdout).toBe('');
    expect(stored(secured.url)).toBeUndefined();
  });

  it('lets --token beat the stored credentials', async () => {
    expect((await loginWithStdin(secured.url)).code).toBe(0);
    const rejected = await stroem(['whoami', '--server', secured.url, '--token', 'not-a-token']);
    expect(rejected.code).toBe(1);
    expect(rejected.stderr).toMatch(
      /^stroem: the token given with --token was rejected: .*\(HTTP 401/,
    );
    expectNoSecrets(rejected, 'not-a-token');

    const key = await createApiKey(secured.url);
    const accepted = await stroem(['--server', secured.url, '--token', key, 'whoami']);
    expect(accepted.code).toBe(0);
    expect(accepted.stdout).toMatch(/^Token: +--token$/m);
    expectNoSecrets(accepted, key);
  });

  it('uses STROEM_TOKEN and STROEM_SERVER', async () => {
    const key = await createApiKey(secured.url);
    const result = await stroem(['whoami'], {
      env: { STROEM_SERVER: secured.url, STROEM_TOKEN: key },
    });
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^Email: +admin@stroem\.local$/m);
    expect(result.stdout).toMatch(/^Token: +STROEM_TOKEN$/m);
  });

  it('stores an API key with login --token after checking it', async () => {
    const key = await createApiKey(secured.url);
    const login = await stroem(['login', '--server', secured.url, '--token', key]);
    expect(login).toMatchObject({
      code: 0,
      stdout: `Logged in to ${secured.url} as ${ADMIN.email} (with an API key)\n`,
    });
    expect(stored(secured.url)).toMatchObject({ email: ADMIN.email, access_token: key });
    expect(stored(secured.url)?.refresh_token).toBeUndefined();
    expect((await stroem(['whoami', '--server', secured.url])).code).toBe(0);

    const bad = await stroem([
      'login',
      '--server',
      secured.url,
      '--token',
      'strm_' + '0'.repeat(32),
    ]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/rejected/);
    expect(stored(secured.url)?.access_token).toBe(key);
  });

  it('refreshes an expired stored access token transparently and saves the rotated refresh token', async () => {
    expect((await loginWithStdin(secured.url)).code).toBe(0);
    const before = stored(secured.url) as StoredCredentials;
    store.put({ ...before, access_token: 'expired.jwt.token' });

    const whoami = await stroem(['whoami', '--server', secured.url]);
    expect(whoami.code).toBe(0);
    expect(whoami.stdout).toMatch(/^Email: +admin@stroem\.local$/m);
    const after = stored(secured.url) as StoredCredentials;
    expect(after.access_token).not.toBe('expired.jwt.token');
    expect(after.refresh_token).not.toBe(before.refresh_token);
    expectNoSecrets(whoami, after.access_token, after.refresh_token, before.refresh_token);

    // Stored rotated token still valid: one more expiry is refreshed the same way.
    store.put({ ...after, access_token: 'expired.jwt.token' });
    expect((await stroem(['whoami', '--server', secured.url])).code).toBe(0);
  });

  it('logs out: the session ends on the server and the entry goes, other servers stay', async () => {
    expect((await loginWithStdin(secured.url)).code).toBe(0);
    const session = stored(secured.url) as StoredCredentials;
    store.put({ server: 'https://other.example.com', email: 'x@example.com', access_token: 'k' });

    const logout = await stroem(['logout', '--server', secured.url]);
    expect(logout).toMatchObject({ code: 0, stdout: `Logged out of ${secured.url}\n`, stderr: '' });
    expect(stored(secured.url)).toBeUndefined();
    expect(store.get('https://other.example.com')).toBeDefined();
    expect(await refreshStatus(secured.url, session.refresh_token as string)).toBe(401);

    const whoami = await stroem(['whoami', '--server', secured.url]);
    expect(whoami.code).toBe(1);
    expect(whoami.stderr).toBe(`stroem: not logged in to ${secured.url}: run stroem login\n`);
  });

  it('logs out locally when the server cannot be reached, and says so', async () => {
    const nowhere = `http://127.0.0.1:${await freePort()}`;
    store.put({
      server: nowhere,
      email: ADMIN.email,
      access_token: 'a',
      refresh_token: 'secret-r',
    });
    const logout = await stroem(['logout', '--server', nowhere]);
    expect(logout.code).toBe(0);
    expect(logout.stdout).toBe(`Logged out of ${nowhere}\n`);
    expect(logout.stderr).toMatch(
      new RegExp(
        `could not end the session on the server \\(cannot reach the Strøm server at ${nowhere}`,
      ),
    );
    expect(store.get(nowhere)).toBeUndefined();
    expectNoSecrets(logout, 'secret-r');
  });

  it('says clearly that a server without authentication needs no login, and stores nothing', async () => {
    const login = await stroem(
      ['login', '--server', open.url, '--email', ADMIN.email, '--password-stdin'],
      {
        stdin: 'admin\n',
      },
    );
    expect(login.code).toBe(0);
    expect(login.stdout).toBe(
      `The server at ${open.url} does not require authentication: there is nothing to log in to, and no credentials were stored.\n`,
    );
    expect(() => statSync(store.path)).toThrow();

    const whoami = await stroem(['whoami', '--server', open.url]);
    expect(whoami.code).toBe(0);
    expect(whoami.stdout).toMatch(/does not require authentication/);
  });

  it('asks for --email when the password comes from stdin', async () => {
    const result = await stroem(['login', '--server', secured.url, '--password-stdin'], {
      stdin: 'admin\n',
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toBe('stroem: --password-stdin needs --email\n');
  });
});
