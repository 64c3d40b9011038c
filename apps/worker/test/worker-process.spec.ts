import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { makeTarball, RecordingWorkerServer } from './recording-worker-server';

const WORKER_BIN = resolve(__dirname, '../../../bin/stroem-worker.js');

interface RunningWorker {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
}

function runWorker(env: NodeJS.ProcessEnv): RunningWorker {
  const child = spawn(process.execPath, [WORKER_BIN], {
    env: { PATH: process.env['PATH'], HOME: process.env['HOME'], ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout?.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (err += c.toString()));
  const exited = new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
  return { child, stdout: () => out, stderr: () => err, exited };
}

describe('stroem-worker process against a recording HTTP server (stand-in for the Strøm server)', () => {
  let server: RecordingWorkerServer;
  let cacheDir: string;

  beforeEach(async () => {
    server = await RecordingWorkerServer.start();
    cacheDir = await mkdtemp(join(tmpdir(), 'stroem-worker-proc-'));
    server.addWorkspaceRevision('default', 'rev-1', await makeTarball({ 'README.md': 'hi\n' }));
  });
  afterEach(async () => {
    await server.close();
    await rm(cacheDir, { recursive: true, force: true });
  });

  const env = (extra: NodeJS.ProcessEnv = {}) => ({
    STROEM__SERVER_URL: server.url,
    STROEM__WORKSPACE_CACHE_DIR: cacheDir,
    STROEM__WORKER_NAME: 'proc-worker',
    STROEM__CLAIM_WAIT_SECS: '5',
    ...extra,
  });

  it('exits 2 with one line naming the bad key', async () => {
    const worker = runWorker(env({ STROEM__MAX_CONCURENT: '3' }));
    expect(await worker.exited).toBe(2);
    expect(worker.stderr()).toBe(
      "stroem-worker: worker config: unknown key 'max_concurent' (from STROEM__MAX_CONCURENT) (did you mean 'max_concurrent'?)\n",
    );
  }, 20_000);

  it('on SIGTERM stops claiming, kills the step after the drain time, reports it and exits 0', async () => {
    const worker = runWorker(env({ STROEM__DRAIN_TIMEOUT_SECS: '1' }));
    try {
      server.enqueueStep({
        job_id: 'job-p',
        step_name: 'forever',
        action_spec: { type: 'script', script: 'echo started; sleep 60' },
      });
      await server.waitFor((r) => r.path === '/worker/jobs/job-p/logs', 15_000);
      worker.child.kill('SIGTERM');

      expect(await worker.exited).toBe(0);
      const complete = await server.waitForComplete('job-p', 'forever', 1);
      expect(complete.body).toEqual({ exit_code: -1, output: null, error: 'Worker shutting down' });

      const logs = worker
        .stdout()
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as Record<string, unknown>);
      expect(logs.find((l) => l['job_id'] === 'job-p' && l['step'] === 'forever')).toMatchObject({
        worker_id: 'worker-1',
        level: 'info',
      });
      expect(logs.map((l) => l['msg'])).toEqual(
        expect.arrayContaining(['SIGTERM received: shutting down gracefully', 'worker stopped']),
      );
    } finally {
      worker.child.kill('SIGKILL');
    }
  }, 30_000);
});
