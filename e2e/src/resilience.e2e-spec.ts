/**
 * Bad input and a dying worker: the server answers with `{error}` and the right status, and a
 * worker killed with SIGKILL in the middle of a step does not take the server down.
 */
import { REPO_ROOT, fixtureWorkspace, useStack } from './harness/stack';
import { poll } from './harness/api';
import { join } from 'node:path';

const stack = useStack({
  workspaces: {
    default: join(REPO_ROOT, 'examples/default'),
    test: fixtureWorkspace('e2e-workspace'),
  },
});

describe('bad input', () => {
  it('answers 400 {error} to an execute body that is not JSON', async () => {
    const res = await stack().api.request(
      'POST',
      '/api/workspaces/default/tasks/hello-world/execute',
      {
        body: '{"input": {"name": ',
        headers: { 'content-type': 'application/json' },
      },
    );
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ error: expect.any(String) });
  });

  it('answers 404 {error} to executing a task of an unknown workspace', async () => {
    const res = await stack().api.post('/api/workspaces/no-such-ws/tasks/hello-world/execute', {});
    expect(res.status).toBe(404);
    expect(res.body).toEqual({ error: expect.any(String) });
  });

  it('answers 404 {error} to executing an unknown task', async () => {
    const res = await stack().api.post('/api/workspaces/default/tasks/no-such-task/execute', {});
    expect(res.status).toBe(404);
    expect(res.body).toEqual({ error: expect.any(String) });
  });

  it('answers 404 {error} to listing the tasks of an unknown workspace', async () => {
    const res = await stack().api.get('/api/workspaces/no-such-ws/tasks');
    expect(res.status).toBe(404);
    expect(res.body).toEqual({ error: expect.any(String) });
  });

  it('answers 404 {error} for a job id nobody created, 400 for one that is not a UUID', async () => {
    const unknown = await stack().api.get('/api/jobs/00000000-0000-4000-8000-000000000000');
    expect(unknown.status).toBe(404);
    expect(unknown.body).toEqual({ error: expect.any(String) });
    const invalid = await stack().api.get('/api/jobs/not-a-uuid');
    expect(invalid.status).toBe(400);
    expect(invalid.body).toEqual({ error: expect.any(String) });
  });
});

describe('a worker killed with SIGKILL mid-step', () => {
  it('does not crash the server: /healthz and the API keep answering, a new worker runs jobs', async () => {
    const s = stack();
    const jobId = await s.api.execute('test', 'slow-task');
    await s.api.waitForJob(jobId, {
      until: (job) => job.steps[0]?.status === 'running',
      what: "step 'wait' running",
      timeoutMs: 30_000,
    });
    const [worker] = s.workers;
    if (!worker) throw new Error('the stack has no worker');
    await worker.kill9();

    // For a few seconds after the kill (the worker's connections reset, its long-poll claim
    // dangles), every request still gets its answer.
    const until = Date.now() + 3_000;
    while (Date.now() < until) {
      expect((await s.api.get('/healthz')).status).toBe(200);
      expect((await s.api.get(`/api/jobs/${jobId}`)).status).toBe(200);
      expect((await s.api.get('/api/workspaces/test/tasks')).status).toBe(200);
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(s.server.hasExited).toBe(false);
    const stillRunning = await s.api.job(jobId);
    expect(['running', 'failed']).toContain(stillRunning.status);

    // The system keeps working with a fresh worker.
    await s.startWorker();
    const next = await s.api.waitForJob(
      await s.api.execute('test', 'simple-echo', { name: 'after' }),
    );
    expect(next.status).toBe('completed');
    await poll(
      () => s.api.get('/healthz'),
      (res) => res.status === 200,
      5_000,
      () => 'healthz stopped answering 200',
    );
  });
});
