/**
 * Workflows that would explode or loop forever (issue 4): a for_each over 100 000 items, a `when`
 * that throws, a task that starts itself through a `type: task` step or through a hook. Each ends
 * with a clear error on a real server and worker, and the server keeps answering. Also upstream's
 * §4.2.10: cancelling a pending job while no worker runs.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { JobDetail } from './harness/api';
import { poll } from './harness/api';
import { fixtureWorkspace, scratchFolder, useStack } from './harness/stack';

const RUNAWAY = `
actions:
  ok: { type: script, script: "echo ran" }
  again: { type: task, task: recurse }
  hook-again: { type: task, task: hooked }
tasks:
  explode:
    flow:
      each: { action: ok, for_each: "{{ range(end=100000) | json_encode() }}" }
      after: { action: ok, depends_on: [each] }
  throwing-when:
    flow:
      guarded: { action: ok, when: "{{ throw(message='boom') }}" }
      after: { action: ok, depends_on: [guarded] }
  recurse:
    flow:
      self: { action: again }
  hooked:
    flow:
      work: { action: ok }
    on_success:
      - action: hook-again
`;

function runawayWorkspace(): string {
  const dir = scratchFolder('stroem-e2e-runaway-');
  mkdirSync(join(dir, '.workflows'));
  writeFileSync(join(dir, '.workflows', 'runaway.yaml'), RUNAWAY);
  return dir;
}

const stack = useStack({
  workspaces: { runaway: runawayWorkspace(), test: fixtureWorkspace('e2e-workspace') },
});

async function healthy(): Promise<void> {
  const res = await stack().api.get('/healthz');
  expect(res.status).toBe(200);
  expect(stack().server.hasExited).toBe(false);
}

interface JobItem {
  job_id: string;
  status: string;
  source_type: string;
}

async function jobsOf(task: string): Promise<JobItem[]> {
  const res = await stack().api.get<{ items: JobItem[] }>(
    `/api/jobs?workspace=runaway&task_name=${task}&limit=100`,
  );
  expect(res.status).toBe(200);
  return res.body.items;
}

describe('workflows that would explode', () => {
  it('fails a for_each over 100 000 items at once, creating no instances', async () => {
    const api = stack().api;
    const started = Date.now();
    const job = await api.waitForJob(await api.execute('runaway', 'explode'));
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(job.status).toBe('failed');
    expect(job.steps.map((s) => [s.step_name, s.status])).toEqual([
      ['each', 'failed'],
      ['after', 'skipped'],
    ]);
    expect(job.steps[0]?.error_message).toBe(
      'for_each produced 100000 items; at most 10000 are allowed',
    );
    await healthy();
  });

  it('fails a step whose when throws, with the message', async () => {
    const api = stack().api;
    const job = await api.waitForJob(await api.execute('runaway', 'throwing-when'));
    expect(job.status).toBe('failed');
    expect(job.steps[0]?.status).toBe('failed');
    expect(job.steps[0]?.error_message).toMatch(/^when condition error: .*boom/);
    expect(job.steps[1]?.status).toBe('skipped');
    await healthy();
  });

  it('stops a task that starts itself through a task step at the nesting limit', async () => {
    const api = stack().api;
    const top = await api.waitForJob(await api.execute('runaway', 'recurse'), {
      timeoutMs: 90_000,
    });
    expect(top.status).toBe('failed');
    const jobs = await jobsOf('recurse');
    expect(jobs.length).toBeLessThanOrEqual(10);
    const errors = await Promise.all(
      jobs.map(async (j) => (await api.job(j.job_id)).steps[0]?.error_message ?? ''),
    );
    expect(errors.some((e) => /Maximum task nesting depth \(10\) exceeded/.test(e))).toBe(true);
    await healthy();
  });

  it('does not loop forever on a task whose success hook starts the task again', async () => {
    const api = stack().api;
    const first = await api.waitForJob(await api.execute('runaway', 'hooked'));
    expect(first.status).toBe('completed');
    // Hook jobs settle: none stays pending or running, and their number stays bounded.
    const settled = await poll(
      async () => {
        const before = await jobsOf('hooked');
        await new Promise((r) => setTimeout(r, 3_000));
        return { before, after: await jobsOf('hooked') };
      },
      ({ before, after }) =>
        before.length === after.length &&
        after.every((j) => j.status !== 'pending' && j.status !== 'running'),
      60_000,
      (last) => `hook jobs did not settle: ${JSON.stringify(last?.after)}`,
    );
    // Hook jobs never fire hooks themselves (upstream §2.17.12): one run, one hook job.
    expect(settled.after.map((j) => j.source_type).sort()).toEqual(['api', 'hook']);
    await healthy();
  });
});

describe('§4.2.10 cancel a pending job', () => {
  it('cancels a job no worker has picked up', async () => {
    const s = stack();
    for (const worker of s.workers) await worker.stop(10_000);
    const jobId = await s.api.execute('test', 'simple-echo');
    const res = await s.api.post<{ status: string }>(`/api/jobs/${jobId}/cancel`, {});
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'cancelled' });
    const job: JobDetail = await s.api.waitForJob(jobId);
    expect(job.status).toBe('cancelled');
    expect(job.steps.every((step) => step.status === 'cancelled')).toBe(true);
    await healthy();
  });
});
