/**
 * Worker routing with real server and worker processes (reference §1.14, §3.4 "Claim
 * matching", §2.17.11): affinity tags keep a step for a worker that has them, an exclusive
 * worker takes only steps carrying its tags, and a step no active worker can run fails after
 * `unmatched_step_timeout_secs`.
 */
import { join } from 'node:path';
import type { Service } from './harness/service';
import { REPO_ROOT, useStack, type Stack } from './harness/stack';

// Read only by the tests, so both stacks serve the repository's copy.
const ROUTING = join(REPO_ROOT, 'e2e/fixtures/routing');

interface WorkerView {
  worker_id: string;
  name: string;
  status: string;
}

/** The id the server gave a worker the harness started (named `e2e-<service name>`). */
async function workerIdOf(stack: Stack, worker: Service): Promise<string> {
  const res = await stack.api.get<{ items: WorkerView[] }>('/api/workers');
  const name = `e2e-${worker.spec.name}`;
  const found = res.body.items.filter((w) => w.name === name && w.status === 'active');
  if (found.length !== 1) {
    throw new Error(`expected one active worker named ${name}: ${JSON.stringify(res.body)}`);
  }
  return found[0].worker_id;
}

describe('affinity tags and exclusive workers (§1.14)', () => {
  const stack = useStack({ workspaces: { routing: ROUTING } });

  it('keeps a gpu-tagged step ready while only an untagged worker runs, then the gpu worker runs it', async () => {
    const s = stack();
    const gpuJob = await s.api.execute('routing', 'gpu-task');
    // The untagged worker is claiming all along: it runs a whole job meanwhile.
    const plain = await s.api.waitForJob(await s.api.execute('routing', 'plain-task'));
    expect(plain.status).toBe('completed');
    const waiting = await s.api.job(gpuJob);
    expect(waiting.status).toBe('pending');
    expect(waiting.steps[0]).toMatchObject({
      step_name: 'train',
      status: 'ready',
      worker_id: null,
    });

    const gpuWorker = await s.startWorker({ tags: ['gpu'] });
    const done = await s.api.waitForJob(gpuJob, { timeoutMs: 30_000 });
    expect(done.status).toBe('completed');
    expect(done.steps[0].worker_id).toBe(await workerIdOf(s, gpuWorker));
    expect(await s.api.stepLogs(gpuJob, 'train')).toContain('gpu step');
    await gpuWorker.stop();
  });

  it('lets an exclusive gpu worker take only gpu steps; untagged ones go to the plain worker', async () => {
    const s = stack();
    const plainWorkerId = await workerIdOf(s, s.workers[0]);
    const exclusive = await s.startWorker({ tags: ['gpu'], exclusive: true });
    const exclusiveId = await workerIdOf(s, exclusive);

    // Eight parallel untagged steps against the plain worker's four slots: a free exclusive
    // worker would get some of them if it were not reserved.
    const plainJobs = [
      await s.api.execute('routing', 'plain-task'),
      await s.api.execute('routing', 'plain-task'),
    ];
    const gpuJob = await s.api.execute('routing', 'gpu-task');
    const gpu = await s.api.waitForJob(gpuJob);
    expect(gpu.status).toBe('completed');
    expect(gpu.steps[0].worker_id).toBe(exclusiveId);
    for (const jobId of plainJobs) {
      const job = await s.api.waitForJob(jobId);
      expect(job.status).toBe('completed');
      expect(job.steps.map((step) => step.worker_id)).toEqual(job.steps.map(() => plainWorkerId));
    }
  });
});

describe('a step no active worker can run (§2.17.11)', () => {
  const stack = useStack({
    workspaces: { routing: ROUTING },
    serverConfig: { recovery: { unmatched_step_timeout_secs: 5, sweep_interval_secs: 5 } },
  });

  it('fails a step needing a tag, or a capability, no active worker has after the timeout', async () => {
    const s = stack();
    const startedAt = Date.now();
    const jobs = [
      await s.api.execute('routing', 'nope-task'),
      await s.api.execute('routing', 'docker-task'),
    ];
    for (const jobId of jobs) {
      const job = await s.api.waitForJob(jobId, { timeoutMs: 30_000 });
      expect(job.status).toBe('failed');
      expect(job.steps[0]).toMatchObject({
        status: 'failed',
        worker_id: null,
        error_message: 'No active worker with required capability/tags to run this step',
      });
    }
    // Not before the timeout has passed.
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(5_000);
  });
});
