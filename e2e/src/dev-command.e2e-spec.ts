/**
 * `npm start` is `stroem dev`: the server and one worker, started together. With no database
 * configured the server starts its embedded PostgreSQL; within 30 s of the command the example
 * tasks are listed and hello-world runs; Ctrl-C leaves no process behind (PostgreSQL included).
 */
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Api, poll } from './harness/api';
import { descendants, Service } from './harness/service';
import { freePort } from './harness/stack';

function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return false;
  }
}

describe('stroem dev (npm start)', () => {
  let dir = '';
  let dev: Service | undefined;
  let api: Api;
  let port = 0;
  let embeddedPort = 0;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'stroem-e2e-dev-'));
    // Like a cloned repository (0755): run as root, PostgreSQL runs as the `postgres` user and
    // must reach its data folder below this one.
    chmodSync(dir, 0o755);
    port = await freePort();
    embeddedPort = await freePort();
    api = new Api(`http://127.0.0.1:${port}`);
  });

  afterAll(async () => {
    await dev?.stop(30_000);
    if ((globalThis.__stroemE2eFailures ?? 0) > 0 && dev) {
      process.stderr.write(`\n──── stroem dev (${dev.describeExit()}) ────\n${dev.logs}\n`);
    } else if (dir) {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it('lists the example tasks within 30 s of starting', async () => {
    const started = Date.now();
    dev = new Service({
      name: 'stroem-dev',
      bin: 'bin/stroem.js',
      args: ['dev', '--port', String(port)],
      // A fresh clone: no DATABASE_URL, so the embedded PostgreSQL; run from a temp folder so
      // its data and the worker's cache (.data/) land there, on a port no other test uses.
      cwd: dir,
      env: { DATABASE_URL: '', STROEM__DB__EMBEDDED__PORT: String(embeddedPort) },
      logDir: dir,
    });
    const res = await poll(
      () =>
        api
          .get<{ id: string }[]>('/api/workspaces/default/tasks')
          .catch(() => ({ status: 0, body: [] })),
      (r) => r.status === 200 || dev?.hasExited === true,
      30_000,
      (last) => `no task list within 30 s (last: ${last?.status ?? 'no answer'})`,
    );
    expect(dev.hasExited).toBe(false);
    expect(res.body.map((t) => t.id)).toEqual(
      expect.arrayContaining(['hello-world', 'deploy-pipeline', 'data-pipeline']),
    );
    expect(Date.now() - started).toBeLessThan(30_000);
  });

  it('runs hello-world to completed; its logs hold the greeting', async () => {
    const jobId = await api.execute('default', 'hello-world');
    const job = await api.waitForJob(jobId, { timeoutMs: 30_000 });
    expect(job.status).toBe('completed');
    expect(job.steps.map((s) => s.status)).toEqual(['completed', 'completed']);
    const logs = await api.logs(jobId);
    expect(logs).toContain('Hello World');
    expect(logs).toContain('HELLO WORLD');
  });

  it('prefixes server and worker lines and prints a banner with the URL and a curl example', () => {
    const out = dev?.logs ?? '';
    expect(out).toMatch(/^server \| /m);
    expect(out).toMatch(/^worker \| /m);
    expect(out).toContain(`Strøm is running at http://localhost:${port}`);
    expect(out).toContain(`curl -s http://localhost:${port}/api/workspaces/default/tasks`);
    // the embedded cluster's data went to the working directory
    expect(existsSync(join(dir, '.data/pg/PG_VERSION'))).toBe(true);
  });

  it('stops the worker, then the server on Ctrl-C, leaving no process behind', async () => {
    if (!dev) throw new Error('stroem dev did not start');
    const tree = descendants(dev.pid);
    expect(tree.length).toBeGreaterThanOrEqual(2);
    process.kill(dev.pid, 'SIGINT');
    await poll(
      async () => dev?.hasExited,
      (exited) => exited === true,
      40_000,
      () => 'stroem dev did not exit within 40 s of SIGINT',
    );
    expect(dev.describeExit()).toBe('exited with code 0');
    expect(dev.logs).toMatch(/Stopping the worker, then the server/);
    expect(tree.filter((p) => alive(p.pid))).toEqual([]);
  });
});
