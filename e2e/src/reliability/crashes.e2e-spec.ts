/**
 * Crashes with real processes (reference §2.17.11, §4.2 item 5): a worker killed with SIGKILL in
 * the middle of a step, and the API server killed with SIGKILL and started again while a worker
 * runs steps. The server sweeps every 5 s with a 10 s heartbeat timeout (the smallest values it
 * accepts); workers heartbeat every 2 s.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { poll, type JobDetail, type JobStep } from '../harness/api';
import type { Service } from '../harness/service';
import { fixtureWorkspace, scratchFolder, useStack } from '../harness/stack';

const HEARTBEAT_TIMEOUT_SECS = 10;
const SWEEP_INTERVAL_SECS = 5;
const WORKER_CONFIG = { heartbeat_interval_secs: 2 };

const stack = useStack({
  workspaces: { crashes: fixtureWorkspace('crashes') },
  workers: 0,
  serverConfig: {
    recovery: {
      heartbeat_timeout_secs: HEARTBEAT_TIMEOUT_SECS,
      sweep_interval_secs: SWEEP_INTERVAL_SECS,
    },
  },
});

interface LogEntry {
  ts: string;
  line: string;
}

/** A step's log as `{ts, line}` entries (the API serves JSONL). */
async function stepLog(jobId: string, step: string): Promise<LogEntry[]> {
  const text = await stack().api.stepLogs(jobId, step);
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as LogEntry);
}

async function waitForLogLine(jobId: string, step: string, pattern: RegExp): Promise<void> {
  await poll(
    () => stack().api.stepLogs(jobId, step),
    (logs) => pattern.test(logs),
    30_000,
    (logs) => `step '${step}' of job ${jobId} never logged ${pattern}; its log: ${logs ?? ''}`,
  );
}

function stepOf(job: JobDetail, name: string): JobStep {
  const step = job.steps.find((s) => s.step_name === name);
  if (!step) throw new Error(`job ${job.job_id} has no step '${name}'`);
  return step;
}

/** A worker still running; starts one when every worker of the stack was killed. */
async function liveWorker(): Promise<Service> {
  return stack().workers.find((w) => !w.hasExited) ?? stack().startWorker(WORKER_CONFIG);
}

/** Numbers `n` of the log's `<prefix> <n>` lines, in log order. */
function numbered(log: LogEntry[], prefix: string): number[] {
  const pattern = new RegExp(`^${prefix} (\\d+)$`);
  return log.flatMap((e) => {
    const match = pattern.exec(e.line);
    return match ? [Number(match[1])] : [];
  });
}

const oneTo = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

async function serverAnswers(url: string): Promise<boolean> {
  try {
    await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(1_000) });
    return true;
  } catch {
    return false;
  }
}

describe('a worker killed with SIGKILL mid-step', () => {
  it('fails its steps with the heartbeat timeout within heartbeat_timeout + sweep_interval; a step retry runs on another worker', async () => {
    const { api } = stack();
    const dead = await stack().startWorker(WORKER_CONFIG);
    const dir = scratchFolder('stroem-e2e-crashes-');
    const plain = await api.execute('crashes', 'hang');
    const retried = await api.execute('crashes', 'hang-once-with-retry', { dir });
    await waitForLogLine(plain, 'hang', /HANG_STARTED/);
    await waitForLogLine(retried, 'work', /FIRST_RUN_STARTED/);
    const deadId = stepOf(await api.job(plain), 'hang').worker_id;
    expect(typeof deadId).toBe('string');
    expect(stepOf(await api.job(retried), 'work').worker_id).toBe(deadId);

    await dead.kill9();
    const killedAt = Date.now();
    const survivor = await stack().startWorker(WORKER_CONFIG);

    const failed = await api.waitForJob(plain, {
      until: (job) => stepOf(job, 'hang').status !== 'running',
      timeoutMs: 30_000,
      what: "step 'hang' no longer running",
    });
    const elapsedMs = Date.now() - killedAt;
    expect(stepOf(failed, 'hang')).toMatchObject({
      status: 'failed',
      error_message: `Worker heartbeat timeout (worker ${deadId} unresponsive)`,
    });
    // The last heartbeat was at most 2 s before the kill; the sweep then needs up to one interval.
    // 1.5 s of slack covers the sweep's own work and this test's polling.
    expect(elapsedMs).toBeGreaterThanOrEqual((HEARTBEAT_TIMEOUT_SECS - 3) * 1000);
    expect(elapsedMs).toBeLessThanOrEqual(
      (HEARTBEAT_TIMEOUT_SECS + SWEEP_INTERVAL_SECS) * 1000 + 1_500,
    );
    const terminal = await api.waitForJob(plain, { timeoutMs: 10_000 });
    expect(terminal.status).toBe('failed');
    const workers = await api.get<{ items: { worker_id: string; status: string }[] }>(
      '/api/workers',
    );
    expect(workers.body.items.find((w) => w.worker_id === deadId)?.status).toBe('inactive');

    const done = await api.waitForJob(retried, { timeoutMs: 30_000 });
    expect(done.status).toBe('completed');
    const work = stepOf(done, 'work');
    expect(work.status).toBe('completed');
    expect(work.worker_id).not.toBe(deadId);
    const survivorId = (
      await api.get<{ items: { worker_id: string; name: string }[] }>('/api/workers')
    ).body.items.find((w) => w.name === 'e2e-worker-2')?.worker_id;
    expect(work.worker_id).toBe(survivorId);
    expect(work.retry_history).toEqual([
      expect.objectContaining({
        attempt: 1,
        error: `Worker heartbeat timeout (worker ${deadId} unresponsive)`,
      }),
    ]);
    expect(await api.stepLogs(retried, 'work')).toContain('RETRY_RAN');
    expect(survivor.hasExited).toBe(false);
  }, 60_000);
});

describe('the API server killed with SIGKILL mid-job and started again', () => {
  it('loses no log line and no completion: the worker keeps them through the outage and delivers them after', async () => {
    const s = stack();
    const worker = await liveWorker();
    const dir = scratchFolder('stroem-e2e-outage-');
    const jobId = await s.api.execute('crashes', 'count-through-outage', { dir });
    await waitForLogLine(jobId, 'long', /LINE 5\b/);
    await waitForLogLine(jobId, 'short', /SHORT 5\b/);

    await s.server.kill9();
    const killedAt = Date.now();
    writeFileSync(join(dir, 'outage'), '');
    // `short` ends while the server is down: its last lines and its completion must wait.
    await poll(
      async () => existsSync(join(dir, 'short-done')),
      (done) => done,
      15_000,
      () => "step 'short' did not finish during the outage",
    );
    expect(await serverAnswers(s.url)).toBe(false);
    // Keep the server down at least 3 s while `long` keeps printing.
    await new Promise((r) => setTimeout(r, Math.max(0, killedAt + 3_000 - Date.now())));
    await s.restartServer();
    const restartedAt = Date.now();
    writeFileSync(join(dir, 'stop'), '');

    const job = await s.api.waitForJob(jobId, { timeoutMs: 30_000 });
    expect(job.status).toBe('completed');
    expect(job.steps.map((step) => [step.step_name, step.status]).sort()).toEqual([
      ['long', 'completed'],
      ['short', 'completed'],
    ]);
    expect(worker.hasExited).toBe(false);

    const long = await stepLog(jobId, 'long');
    const last = Number(/^LAST (\d+)$/.exec(long[long.length - 1]?.line ?? '')?.[1]);
    expect(numbered(long, 'LINE')).toEqual(oneTo(last));
    const printedDuringOutage = long.filter((e) => {
      const at = Date.parse(e.ts);
      return at > killedAt && at < restartedAt;
    });
    expect(printedDuringOutage.length).toBeGreaterThanOrEqual(20);
    expect(long.filter((e) => Date.parse(e.ts) > restartedAt).length).toBeGreaterThanOrEqual(20);

    const short = await stepLog(jobId, 'short');
    const shortLast = Number(/^SHORT_LAST (\d+)$/.exec(short[short.length - 1]?.line ?? '')?.[1]);
    expect(numbered(short, 'SHORT')).toEqual(oneTo(shortLast));
    expect(short.filter((e) => Date.parse(e.ts) > killedAt).length).toBeGreaterThanOrEqual(10);
    // No line says some were dropped.
    expect([...long, ...short].some((e) => e.line.startsWith('[worker] '))).toBe(false);
  }, 60_000);
});
