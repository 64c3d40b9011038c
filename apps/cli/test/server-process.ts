/**
 * A real `bin/stroem-server.js` for CLI tests: config written to a temp folder, its own embedded
 * PostgreSQL (the CLI may not import the db test harness), its own process group so teardown
 * leaves nothing behind. `databaseUrl` lets further servers share that database.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from './cli-harness';

export const TEST_AUTH = {
  jwt_secret: 'x'.repeat(40),
  refresh_secret: 'y'.repeat(40),
  access_token_ttl_secs: 900,
  refresh_token_ttl_secs: 2592000,
  providers: {},
  initial_user: { email: 'admin@stroem.local', password: 'admin' },
  rate_limits: { login_per_min: 100, refresh_per_min: 100, api_keys_per_min: 100 },
};

/** The worker token of `ServerProcess.serving()` servers, for calls a worker would make. */
export const TEST_WORKER_TOKEN = 'w'.repeat(40);

export function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const probe = createServer();
    probe.once('error', fail);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => done(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) killGroup(child, 'SIGKILL');
});

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    if (child.pid !== undefined) process.kill(-child.pid, signal);
  } catch {
    // already gone
  }
}

export class ServerProcess {
  private output = '';
  private readonly ownFolders: string[] = [];
  private exited: Promise<number | null>;
  private exitCode: number | null | undefined;

  private constructor(
    readonly url: string,
    /** The database this server uses (its embedded one, or the one it was given). */
    readonly databaseUrl: string,
    private readonly dir: string,
    private readonly child: ChildProcess,
  ) {
    running.add(child);
    child.stdout?.on('data', (d: Buffer) => (this.output += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (this.output += d.toString()));
    this.exited = new Promise((done) =>
      child.on('exit', (code) => {
        running.delete(child);
        this.exitCode = code;
        done(code);
      }),
    );
  }

  /** Starts a server with `config` merged in; `databaseUrl` absent ⇒ its own embedded PostgreSQL. */
  static async start(
    config: Record<string, unknown>,
    databaseUrl?: string,
  ): Promise<ServerProcess> {
    const dir = mkdtempSync(join(tmpdir(), 'stroem-cli-server-'));
    const port = await freePort();
    const pgPort = await freePort();
    const db = databaseUrl
      ? { url: databaseUrl }
      : { embedded: { data_dir: join(dir, 'pg'), port: pgPort } };
    const file = join(dir, 'server-config.yaml');
    // JSON is YAML.
    writeFileSync(
      file,
      JSON.stringify({
        listen: `127.0.0.1:${port}`,
        db,
        log_storage: { local_dir: join(dir, 'logs') },
        // Required once auth is on; no worker connects in these tests.
        worker_token: randomBytes(32).toString('hex'),
        workspaces: {},
        ...config,
      }),
    );
    const env = Object.fromEntries(
      Object.entries(process.env).filter(
        ([name]) => name !== 'DATABASE_URL' && !name.startsWith('STROEM'),
      ),
    );
    const child = spawn(
      process.execPath,
      [join(REPO_ROOT, 'bin/stroem-server.js'), '--config', file],
      {
        cwd: dir,
        env,
        detached: true,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const server = new ServerProcess(
      `http://127.0.0.1:${port}`,
      databaseUrl ?? `postgres://postgres:stroem@127.0.0.1:${pgPort}/stroem`,
      dir,
      child,
    );
    try {
      await server.waitForHealthy();
    } catch (err) {
      await server.stop();
      throw err;
    }
    return server;
  }

  /**
   * A server with auth on (`TEST_AUTH`, `TEST_WORKER_TOKEN`) serving `workflowsYaml` as the
   * `default` workspace (written under a temp folder removed with it).
   */
  static async serving(workflowsYaml: string): Promise<ServerProcess> {
    const workspace = mkdtempSync(join(tmpdir(), 'stroem-cli-workspace-'));
    mkdirSync(join(workspace, '.workflows'));
    writeFileSync(join(workspace, '.workflows', 'w.yaml'), workflowsYaml);
    try {
      const server = await ServerProcess.start({
        auth: TEST_AUTH,
        worker_token: TEST_WORKER_TOKEN,
        workspaces: { default: { type: 'folder', path: workspace, poll_interval_secs: 3600 } },
      });
      server.ownFolders.push(workspace);
      return server;
    } catch (err) {
      rmSync(workspace, { recursive: true, force: true });
      throw err;
    }
  }

  /** An access token of the seeded admin of `TEST_AUTH`. */
  async loginAsAdmin(): Promise<string> {
    const res = await fetch(`${this.url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(TEST_AUTH.initial_user),
    });
    if (res.status !== 200) throw new Error(`admin login answered ${res.status}`);
    return ((await res.json()) as { access_token: string }).access_token;
  }

  private async waitForHealthy(timeoutMs = 90_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let last = 'no answer';
    while (Date.now() < deadline) {
      if (this.exitCode !== undefined) {
        throw new Error(
          `the server exited (${this.exitCode}) before /healthz answered:\n${this.output}`,
        );
      }
      try {
        const res = await fetch(`${this.url}/healthz`, { signal: AbortSignal.timeout(2_000) });
        if (res.status === 200) return;
        last = `status ${res.status}`;
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`the server did not become healthy (last: ${last}):\n${this.output}`);
  }

  get logs(): string {
    return this.output;
  }

  /** SIGTERM (the server then stops its embedded PostgreSQL), SIGKILL for the group if slow. */
  async stop(timeoutMs = 20_000): Promise<void> {
    if (this.exitCode === undefined) {
      // Only the server: it stops its embedded PostgreSQL itself, after the app.
      this.child.kill('SIGTERM');
      const timer = setTimeout(() => killGroup(this.child, 'SIGKILL'), timeoutMs);
      await this.exited;
      clearTimeout(timer);
    }
    for (const folder of [this.dir, ...this.ownFolders])
      rmSync(folder, { recursive: true, force: true });
  }
}
