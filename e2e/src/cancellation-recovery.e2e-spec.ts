/**
 * Cancellation and worker-death recovery with real processes (reference §4.2 items 5, 6, 10):
 * a real server sweeping every 5 s and a real worker whose step processes are killed.
 */
import { Client } from 'pg';
import { descendants } from './harness/service';
import { fixtureWorkspace, useStack } from './harness/stack';
import { poll } from './harness/api';

const stack = useStack({
  workspaces: { test: fixtureWorkspace('e2e-workspace') },
  serverConfig: { recovery: { sweep_interval_secs: 5 } },
});

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function sql(text: string): Promise<void> {
  const client = new Client({ connectionString: stack().database.url });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}

async function runningSlowStep(jobId: string): Promise<void> {
  const api = stack().api;
  await api.waitForJob(jobId, {
    until: (job) => job.steps[0]?.status === 'running',
    what: "step 'wait' running",
  });
  await poll(
    () => api.stepLogs(jobId, 'wait'),
    (logs) => logs.includes('SLOW_STARTED'),
    30_000,
    () => 'the slow step did not start',
  );
}

describe('cancellation and recovery (§4.2)', () => {
  it('§4.2.6 cancels a running job: the worker kills the step process group and the step ends cancelled', async () => {
    const { api, workers } = stack();
    const jobId = await api.execute('test', 'slow-task');
    await runningSlowStep(jobId);
    const sleeps = descendants(workers[0].pid);
    expect(sleeps.length).toBeGreaterThan(0);

    const res = await api.post(`/api/jobs/${jobId}/cancel`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'cancelled' });
    const job = await api.waitForJob(jobId, {
      until: (j) => j.status === 'cancelled' && j.steps[0]?.status === 'cancelled',
      timeoutMs: 20_000,
      what: 'cancelled with its step cancelled',
    });
    // fixes upstream §5.3 #12: the killed step is cancelled, not failed
    expect(job.steps[0]).toMatchObject({ status: 'cancelled', error_message: 'Job cancelled' });
    await poll(
      async () => sleeps.filter((p) => alive(p.pid)),
      (left) => left.length === 0,
      10_000,
      (left) => `step processes still alive: ${JSON.stringify(left)}`,
    );
    expect(await api.logs(jobId)).toContain('Job cancelled by user');
    expect((await api.post(`/api/jobs/${jobId}/cancel`)).status).toBe(409);
  });

  it('§4.2.5 fails the running step of a dead worker: heartbeat timeout', async () => {
    const { api, workers } = stack();
    const jobId = await api.execute('test', 'slow-task');
    await runningSlowStep(jobId);
    await workers[0].kill9();
    await sql(`UPDATE worker SET last_heartbeat = now() - interval '300 seconds'`);
    const job = await api.waitForJob(jobId, { timeoutMs: 30_000 });
    expect(job.status).toBe('failed');
    expect(job.steps[0]?.error_message).toMatch(/heartbeat timeout/);
  });

  it('§4.2.10 cancels a pending job while no worker runs', async () => {
    const { api } = stack();
    const jobId = await api.execute('test', 'simple-echo');
    const res = await api.post(`/api/jobs/${jobId}/cancel`);
    expect(res.status).toBe(200);
    const job = await api.job(jobId);
    expect(job.status).toBe('cancelled');
    expect(job.steps.map((s) => s.status)).toEqual(['cancelled']);
  });
});
