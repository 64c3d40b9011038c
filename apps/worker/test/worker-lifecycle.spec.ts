import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import type { WorkerConfig } from '../src/config/worker-config';
import { Worker, type WorkerOptions } from '../src/lifecycle/worker';
import {
  makeTarball,
  RecordingWorkerServer,
  type RecordedRequest,
} from './recording-worker-server';

const logger = pino({ level: 'silent' });

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitUntil(condition: () => boolean | Promise<boolean>, timeoutMs = 5_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('worker against a recording HTTP server (stand-in for the Strøm server)', () => {
  let server: RecordingWorkerServer;
  let cacheDir: string;
  let workers: Worker[];

  beforeEach(async () => {
    server = await RecordingWorkerServer.start();
    cacheDir = await mkdtemp(join(tmpdir(), 'stroem-worker-test-'));
    workers = [];
    server.addWorkspaceRevision(
      'default',
      'rev-1',
      await makeTarball({
        'data.txt': 'from the workspace\n',
        'scripts/greet.sh': '#!/bin/sh\necho "greetings, $1"\n',
      }),
    );
  });
  afterEach(async () => {
    await Promise.all(workers.map((w) => w.stop()));
    await server.close();
    await rm(cacheDir, { recursive: true, force: true });
  });

  const startWorker = async (
    config: Partial<WorkerConfig> = {},
    options: Partial<WorkerOptions> = {},
  ) => {
    const worker = new Worker({
      config: {
        serverUrl: server.url,
        workerToken: 'a-worker-token-that-is-32-chars-long!',
        workerName: 'test-worker',
        maxConcurrent: 1,
        pollIntervalSecs: 0.05,
        claimWaitSecs: 2,
        workspaceCacheDir: cacheDir,
        capabilities: ['script'],
        tags: ['linux'],
        exclusive: false,
        maxRetainedRevisions: 5,
        requestTimeoutSecs: 5,
        connectTimeoutSecs: 2,
        drainTimeoutSecs: 30,
        heartbeatIntervalSecs: 30,
        runnerImage: 'ghcr.io/fremvaerk/stroem-runner:latest',
        docker: { pullPolicy: 'if_not_present' },
        kubernetes: {
          namespace: 'default',
          initImage: 'curlimages/curl:latest',
          pendingTimeoutSecs: 600,
        },
        ...config,
      },
      logger,
      version: '9.9.9',
      cancelPollMs: 100,
      ...options,
    });
    workers.push(worker);
    await worker.start();
    return worker;
  };
  const script = (text: string, extra: Record<string, unknown> = {}) => ({
    type: 'script',
    script: text,
    ...extra,
  });
  const indexOf = (request: RecordedRequest) => server.requests.indexOf(request);

  it('runs a step end to end: register → claim → workspace → start → logs → complete', async () => {
    await startWorker();
    server.enqueueStep({
      job_id: 'job-1',
      step_name: 'greet',
      task_name: 'hello',
      revision: 'rev-1',
      action_spec: script(
        [
          'echo "hello $GREETING from $STROEM_JOB_ID/$STROEM_TASK_NAME/$STROEM_STEP_NAME in $STROEM_WORKSPACE"',
          'cat data.txt',
          './scripts/greet.sh "$1"',
          'echo "warning: just testing" >&2',
          'echo \'OUTPUT: {"n": 42}\'',
        ].join('\n'),
        { env: { GREETING: 'world' }, args: ['you'] },
      ),
    });
    const complete = await server.waitForComplete('job-1', 'greet');

    const register = server.requestsTo(/^\/worker\/register$/)[0];
    expect(register.headers['authorization']).toBe('Bearer a-worker-token-that-is-32-chars-long!');
    expect(register.body).toEqual({
      name: 'test-worker',
      capabilities: ['script'],
      tags: ['linux'],
      exclusive: false,
      version: '9.9.9',
    });
    const claim = server.requestsTo(/^\/worker\/jobs\/claim$/)[0];
    expect(claim.body).toEqual({
      worker_id: 'worker-1',
      capabilities: ['script'],
      tags: ['linux'],
      exclusive: false,
      wait_secs: 2,
    });
    const tarball = server.requestsTo(/^\/worker\/workspace\/default\.tar\.gz$/)[0];
    expect(tarball.query.get('revision')).toBe('rev-1');
    const start = server.requestsTo(/^\/worker\/jobs\/job-1\/steps\/greet\/start$/)[0];
    expect(start.body).toEqual({ worker_id: 'worker-1' });

    const logs = server.requestsTo(/^\/worker\/jobs\/job-1\/logs$/);
    expect(logs.length).toBeGreaterThan(0);
    expect(server.logLines('job-1').map((l) => [l.step_name, l.stream, l.line])).toEqual(
      expect.arrayContaining([
        ['greet', 'stdout', 'hello world from job-1/hello/greet in default'],
        ['greet', 'stdout', 'from the workspace'],
        ['greet', 'stdout', 'greetings, you'],
        ['greet', 'stderr', 'warning: just testing'],
        ['greet', 'stdout', 'OUTPUT: {"n": 42}'],
      ]),
    );
    expect(complete.body).toEqual({ exit_code: 0, output: { n: 42 } });
    expect(indexOf(register)).toBeLessThan(indexOf(claim));
    expect(indexOf(claim)).toBeLessThan(indexOf(tarball));
    expect(indexOf(tarball)).toBeLessThan(indexOf(start));
    expect(indexOf(start)).toBeLessThan(indexOf(logs[0]));
    expect(indexOf(logs[logs.length - 1])).toBeLessThan(indexOf(complete));
  });

  it("reports a failing step with upstream's 'Exit code: <n>\\nStderr: <stderr>'", async () => {
    await startWorker();
    server.enqueueStep({
      job_id: 'job-2',
      step_name: 'fail',
      action_spec: script('echo partial; echo "it broke" >&2; exit 3'),
    });
    const complete = await server.waitForComplete('job-2', 'fail');
    expect(complete.body).toEqual({
      exit_code: 3,
      output: null,
      error: 'Exit code: 3\nStderr: it broke\n',
    });
  });

  it('fails a step needing a runner it has not got, without starting it, and keeps working', async () => {
    await startWorker();
    server.enqueueStep({
      job_id: 'job-3',
      step_name: 'container',
      action_type: 'docker',
      action_spec: { type: 'docker', image: 'alpine' },
      runner: null,
    });
    server.enqueueStep({ job_id: 'job-3b', step_name: 'pod-script', runner: 'pod' });
    server.enqueueStep({ job_id: 'job-4', step_name: 'after', action_spec: script('echo ok') });

    expect((await server.waitForComplete('job-3', 'container')).body).toEqual({
      exit_code: -1,
      output: null,
      error:
        "This docker step needs the 'docker' capability, which worker 'test-worker' does not have: add 'docker' to capabilities and its 'docker:' section in the worker config",
    });
    expect((await server.waitForComplete('job-3b', 'pod-script')).body.error).toBe(
      "This script (runner: pod) step needs the 'kubernetes' capability, which worker 'test-worker' does not have: add 'kubernetes' to capabilities and its 'kubernetes:' section in the worker config",
    );
    expect((await server.waitForComplete('job-4', 'after')).body.exit_code).toBe(0);
    expect(server.requestsTo(/\/job-3\/steps\/container\/start$/)).toHaveLength(0);
  });

  it('fails the step when the workspace tarball cannot be downloaded', async () => {
    await startWorker();
    server.enqueueStep({ job_id: 'job-5', step_name: 's', workspace: 'missing' });
    const complete = await server.waitForComplete('job-5', 's');
    expect(complete.body).toEqual({
      exit_code: -1,
      output: null,
      error:
        "Workspace tarball download failed: workspace 'missing': HTTP 404: Workspace 'missing' not found",
    });
  });

  it('kills a step whose job was cancelled (GET …/cancelled) and reports it', async () => {
    await startWorker();
    server.enqueueStep({
      job_id: 'job-6',
      step_name: 'long',
      action_spec: script('echo $$ > "$TMPDIR/pid"; echo started; sleep 30'),
    });
    await server.waitFor((r) => r.path === '/worker/jobs/job-6/logs');
    server.cancelledJobs.add('job-6');
    const complete = await server.waitForComplete('job-6', 'long', 8_000);
    expect(complete.body).toEqual({ exit_code: -1, output: null, error: 'Job cancelled' });
  });

  it('stops a step at its timeout_secs', async () => {
    await startWorker();
    server.enqueueStep({
      job_id: 'job-7',
      step_name: 'slow',
      timeout_secs: 1,
      action_spec: script('sleep 30'),
    });
    const complete = await server.waitForComplete('job-7', 'slow', 10_000);
    expect(complete.body).toEqual({
      exit_code: -1,
      output: null,
      error: 'Step timed out after 1s',
    });
  });

  it('answers a parked claim the moment a step is queued (long-poll dispatch)', async () => {
    await startWorker({ claimWaitSecs: 10 });
    await server.waitFor((r) => r.path === '/worker/jobs/claim');
    await new Promise((r) => setTimeout(r, 300));
    const queuedAt = Date.now();
    server.enqueueStep({ job_id: 'job-8', step_name: 'fast', action_spec: script('true') });
    const start = await server.waitFor((r) => r.path === '/worker/jobs/job-8/steps/fast/start');
    expect(start.at - queuedAt).toBeLessThan(1_000);
    // One parked claim, not a stream of polls.
    expect(server.requestsTo(/^\/worker\/jobs\/claim$/)).toHaveLength(1);
  });

  it('runs at most max_concurrent steps at once, claiming only while a slot is free', async () => {
    await startWorker({ maxConcurrent: 2 });
    for (const n of [1, 2, 3]) {
      server.enqueueStep({ job_id: `job-c${n}`, step_name: 's', action_spec: script('sleep 0.5') });
    }
    const completes = await Promise.all(
      [1, 2, 3].map((n) => server.waitForComplete(`job-c${n}`, 's')),
    );
    const starts = [1, 2, 3].map(
      (n) => server.requestsTo(new RegExp(`^/worker/jobs/job-c${n}/steps/s/start$`))[0],
    );
    const firstComplete = Math.min(...completes.map(indexOf));
    expect(starts.filter((s) => indexOf(s) < firstComplete)).toHaveLength(2);
  });

  it('backs off after claim errors and keeps claiming', async () => {
    server.failNext(/^\/worker\/jobs\/claim$/, 2, 500);
    await startWorker();
    server.enqueueStep({ job_id: 'job-9', step_name: 's', action_spec: script('true') });
    await server.waitForComplete('job-9', 's');
    const claims = server.requestsTo(/^\/worker\/jobs\/claim$/);
    expect(claims.length).toBeGreaterThanOrEqual(3);
    // poll_interval × 1, then × 2.
    expect(claims[1].at - claims[0].at).toBeGreaterThanOrEqual(40);
    expect(claims[2].at - claims[1].at).toBeGreaterThanOrEqual(90);
  });

  it('retries registration while the server refuses it', async () => {
    server.failNext(/^\/worker\/register$/, 1, 503);
    const worker = await startWorker();
    expect(worker.id).toBe('worker-1');
    expect(server.requestsTo(/^\/worker\/register$/)).toHaveLength(2);
  });

  it('heartbeats, and registers again when the server has forgotten the worker', async () => {
    const worker = await startWorker({}, { heartbeatIntervalMs: 100 });
    await server.waitFor((r) => r.path === '/worker/heartbeat');
    server.forgottenWorkers.add('worker-1');
    await waitUntil(() => worker.id === 'worker-2');
    server.enqueueStep({ job_id: 'job-10', step_name: 's', action_spec: script('true') });
    await server.waitForComplete('job-10', 's');
    const start = server.requestsTo(/\/job-10\/steps\/s\/start$/)[0];
    expect(start.body).toEqual({ worker_id: 'worker-2' });
  });

  it('retries complete until the server takes it', async () => {
    server.failNext(/\/complete$/, 2, 503);
    await startWorker();
    server.enqueueStep({ job_id: 'job-11', step_name: 's', action_spec: script('echo hi') });
    await waitUntil(() => server.requestsTo(/\/job-11\/steps\/s\/complete$/).length === 3);
    const completes = server.requestsTo(/\/job-11\/steps\/s\/complete$/);
    expect(completes.map((c) => c.body)).toEqual(Array(3).fill({ exit_code: 0, output: null }));
  });

  describe('graceful shutdown', () => {
    it('stops at once when idle, ending its parked claim', async () => {
      const worker = await startWorker({ claimWaitSecs: 30 });
      await server.waitFor((r) => r.path === '/worker/jobs/claim');
      const stoppedAt = Date.now();
      await worker.stop();
      expect(Date.now() - stoppedAt).toBeLessThan(1_000);
    });

    it('lets a running step finish within the drain time and claims nothing more', async () => {
      const worker = await startWorker();
      server.enqueueStep({
        job_id: 'job-12',
        step_name: 's',
        action_spec: script('echo started; sleep 0.5; echo finished'),
      });
      await server.waitFor((r) => r.path === '/worker/jobs/job-12/logs');
      const claimsBefore = server.requestsTo(/^\/worker\/jobs\/claim$/).length;
      await worker.stop();
      expect((await server.waitForComplete('job-12', 's')).body).toEqual({
        exit_code: 0,
        output: null,
      });
      expect(server.logLines('job-12').map((l) => l.line)).toEqual(['started', 'finished']);
      expect(server.requestsTo(/^\/worker\/jobs\/claim$/)).toHaveLength(claimsBefore);
    });

    it("kills a step still running after the drain time and reports 'Worker shutting down'", async () => {
      const pidFile = join(cacheDir, 'step.pid');
      const worker = await startWorker({}, { drainTimeoutMs: 300 });
      server.enqueueStep({
        job_id: 'job-13',
        step_name: 'forever',
        action_spec: script(`echo $$ > ${pidFile}; echo started; sleep 60`),
      });
      await server.waitFor((r) => r.path === '/worker/jobs/job-13/logs');
      const pid = Number((await readFile(pidFile, 'utf8')).trim());
      expect(processAlive(pid)).toBe(true);

      await worker.stop();
      expect((await server.waitForComplete('job-13', 'forever')).body).toEqual({
        exit_code: -1,
        output: null,
        error: 'Worker shutting down',
      });
      expect(server.logLines('job-13').map((l) => l.line)).toEqual(['started']);
      expect(processAlive(pid)).toBe(false);
    });
  });
});
