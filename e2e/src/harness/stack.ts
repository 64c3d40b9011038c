/**
 * A whole Strøm installation for one test file: a fresh database, `bin/stroem-server.js` on a
 * free port with a config written to a temp folder, and one or more `bin/stroem-worker.js`
 * processes, each with its own workspace cache. Teardown kills every process group it started,
 * also when a test failed; the processes' output is printed when anything in the file failed.
 */
import { randomBytes } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { Api, poll } from './api';
import { REPO_ROOT, Service } from './service';
import { createTestDatabase, type TestDatabase } from '@stroem/db/testing';

export { REPO_ROOT };

export interface StackOptions {
  /** Workspace name → folder. Default: `default` = examples/default. */
  workspaces?: Record<string, string>;
  /** Workers started with the server (default 1). */
  workers?: number;
  /** Extra keys merged into the server config. */
  serverConfig?: Record<string, unknown>;
  /** With `auth` in serverConfig: whom `stack.api` logs in as once the server is up. */
  login?: { email: string; password: string };
  /** A database of the test's own (e.g. `OwnPostgres`) instead of a copy of the run's template; dropped with the stack. */
  database?: TestDatabase;
}

export function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const probe = createServer();
    probe.once('error', fail);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => done(port));
    });
  });
}

/** A temp copy of `e2e/fixtures/<name>`, so a test may change it without touching the repo. */
export function fixtureWorkspace(name: string): string {
  const copy = mkdtempSync(join(tmpdir(), `stroem-e2e-${name}-`));
  cpSync(join(REPO_ROOT, 'e2e/fixtures', name), copy, { recursive: true });
  fixtureCopies.push(copy);
  return copy;
}

const fixtureCopies: string[] = [];

/**
 * A new temp folder for a test file's own files; removed with the stack's folders after the
 * file's tests (kept, like them, when a test failed).
 */
export function scratchFolder(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  fixtureCopies.push(dir);
  return dir;
}

export class Stack {
  readonly api: Api;
  readonly workers: Service[] = [];
  private workerCount = 0;

  private constructor(
    readonly dir: string,
    readonly url: string,
    readonly token: string,
    readonly database: TestDatabase,
    /** The running server; `restartServer` replaces it. */
    public server: Service,
  ) {
    this.api = new Api(url);
  }

  static async start(options: StackOptions = {}): Promise<Stack> {
    const dir = mkdtempSync(join(tmpdir(), 'stroem-e2e-'));
    const database = options.database ?? (await createTestDatabase());
    const port = await freePort();
    const token = randomBytes(32).toString('hex');
    const workspaces = options.workspaces ?? { default: join(REPO_ROOT, 'examples/default') };
    const config = {
      listen: `127.0.0.1:${port}`,
      db: { url: database.url },
      worker_token: token,
      log_storage: { local_dir: join(dir, 'logs') },
      workspaces: Object.fromEntries(
        Object.entries(workspaces).map(([name, path]) => [name, { type: 'folder', path }]),
      ),
      ...options.serverConfig,
    };
    const configFile = join(dir, 'server-config.yaml');
    writeFileSync(configFile, stringify(config));
    const server = new Service({
      name: 'server',
      bin: 'bin/stroem-server.js',
      args: ['--config', configFile],
      env: { DATABASE_URL: database.url },
      logDir: dir,
    });
    const stack = new Stack(dir, `http://127.0.0.1:${port}`, token, database, server);
    try {
      await stack.waitForHealthy();
      if (options.login) await stack.api.login(options.login.email, options.login.password);
      for (let i = 0; i < (options.workers ?? 1); i++) await stack.startWorker();
    } catch (err) {
      await stack.stop();
      throw new Error(`${(err as Error).message}\n${stack.report()}`);
    }
    return stack;
  }

  /** Waits until `/healthz` answers 200 (up to 60 s); fails early if the server exits. */
  async waitForHealthy(timeoutMs = 60_000): Promise<void> {
    await poll(
      async () => {
        if (this.server.hasExited) return 'exited';
        const res = await fetch(`${this.url}/healthz`, { signal: AbortSignal.timeout(2_000) });
        return res.status === 200 ? 'healthy' : `status ${res.status}`;
      },
      (state) => state === 'healthy' || state === 'exited',
      timeoutMs,
      (state) => `the server did not become healthy (last: ${state ?? 'no answer'})`,
    ).then((state) => {
      if (state === 'exited') {
        throw new Error(`the server ${this.server.describeExit()} before /healthz answered`);
      }
    });
  }

  /**
   * Starts one more worker and waits until the server lists it as active. `extraConfig` is
   * merged into its config (e.g. `tags`, `exclusive`, `capabilities`, `docker`).
   */
  async startWorker(extraConfig: Record<string, unknown> = {}): Promise<Service> {
    const name = `worker-${++this.workerCount}`;
    const config = {
      server_url: this.url,
      worker_token: this.token,
      worker_name: `e2e-${name}`,
      max_concurrent: 4,
      poll_interval_secs: 1,
      workspace_cache_dir: join(this.dir, `${name}-cache`),
      capabilities: ['script'],
      ...extraConfig,
    };
    const configFile = join(this.dir, `${name}-config.yaml`);
    writeFileSync(configFile, stringify(config));
    const worker = new Service({
      name,
      bin: 'bin/stroem-worker.js',
      args: ['--config', configFile],
      logDir: this.dir,
    });
    this.workers.push(worker);
    await poll(
      async () => {
        if (worker.hasExited) return true;
        const res = await this.api.get<{ items?: { name: string; status: string }[] }>(
          '/api/workers',
        );
        return (res.body.items ?? []).some(
          (w) => w.name === config.worker_name && w.status === 'active',
        );
      },
      (registered) => registered,
      30_000,
      () => `${name} did not register with the server`,
    );
    if (worker.hasExited) throw new Error(`${name} ${worker.describeExit()} right after start`);
    return worker;
  }

  /** Servers `restartServer` replaced; their output stays in the failure report. */
  private readonly pastServers: Service[] = [];

  /**
   * Starts the server again after it exited (e.g. `server.kill9()`): same port, database and
   * config; waits for `/healthz`. Its output goes to `server-<n>.log`.
   */
  async restartServer(): Promise<Service> {
    if (!this.server.hasExited) {
      throw new Error('restartServer: the server is still running; kill9() or stop() it first');
    }
    await this.server.stop();
    this.pastServers.push(this.server);
    const name = `server-${this.pastServers.length + 1}`;
    this.server = new Service({ ...this.server.spec, name });
    await this.waitForHealthy();
    return this.server;
  }

  /**
   * Another server process on the same database, config and workspaces, on its own port (a
   * replica); resolves once its `/healthz` answers 200. The caller stops it.
   */
  async startReplica(name: string): Promise<{ service: Service; port: number }> {
    const config = parse(readFileSync(join(this.dir, 'server-config.yaml'), 'utf8'));
    const port = await freePort();
    config.listen = `127.0.0.1:${port}`;
    const file = join(this.dir, `${name}-config.yaml`);
    writeFileSync(file, stringify(config));
    const service = new Service({
      name,
      bin: 'bin/stroem-server.js',
      args: ['--config', file],
      env: { DATABASE_URL: this.database.url },
      logDir: this.dir,
    });
    await poll(
      async () => (await fetch(`http://127.0.0.1:${port}/healthz`)).status,
      (status) => status === 200 || service.hasExited,
      60_000,
      () => `${name} did not become healthy`,
    );
    if (service.hasExited) throw new Error(`${name} ${service.describeExit()} before healthy`);
    return { service, port };
  }

  /** Every process's output, for a failure report. */
  report(): string {
    const parts = [...this.pastServers, this.server, ...this.workers].map(
      (s) => `──── ${s.spec.name} (${s.describeExit()}) ────\n${s.logs.trimEnd() || '(no output)'}`,
    );
    return `\nStrøm processes of this test file (files in ${this.dir}):\n${parts.join('\n')}\n`;
  }

  async stop(): Promise<void> {
    for (const worker of this.workers) await worker.stop(10_000);
    await this.server.stop(15_000);
    await this.database.drop();
  }

  /** Removes the temp folders (logs, configs, caches, workspace copies); kept when a test failed. */
  cleanUp(): void {
    for (const dir of [this.dir, ...fixtureCopies.splice(0)]) {
      rmSync(dir, { recursive: true, force: true });
    }
  }
}

declare global {
  var __stroemE2eFailures: number | undefined;
}

/**
 * Starts a stack before the file's tests and stops it after them. Returns an accessor: the stack
 * exists only once `beforeAll` has run.
 */
export function useStack(options: StackOptions = {}): () => Stack {
  let stack: Stack | undefined;
  beforeAll(async () => {
    stack = await Stack.start(options);
  }, 120_000);
  afterAll(async () => {
    if (!stack) return;
    await stack.stop();
    if ((globalThis.__stroemE2eFailures ?? 0) > 0) process.stderr.write(stack.report());
    else stack.cleanUp();
  }, 60_000);
  return () => {
    if (!stack) throw new Error('the Strøm stack did not start (see the beforeAll error)');
    return stack;
  };
}
