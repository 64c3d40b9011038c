/**
 * Upstream's `crates/stroem-e2e` scenarios (reference §4.2) against a real server and worker,
 * auth off, with that suite's fixture workflow served as workspace `test`.
 */
import { fixtureWorkspace, useStack } from './harness/stack';

const stack = useStack({ workspaces: { test: fixtureWorkspace('e2e-workspace') } });

describe('crates/stroem-e2e (§4.2)', () => {
  it('§4.2.1 simple-echo greets Alice in one completed step', async () => {
    const api = stack().api;
    const jobId = await api.execute('test', 'simple-echo', { name: 'Alice' });
    const job = await api.waitForJob(jobId);
    expect(job.status).toBe('completed');
    expect(job.steps.map((s) => [s.step_name, s.status])).toEqual([['greet', 'completed']]);
    expect(await api.stepLogs(jobId, 'greet')).toContain('Hello Alice!');
  });

  it("§4.2.2 two-step-chain stores greet's OUTPUT as its output and shout prints HELLO BOB!", async () => {
    const api = stack().api;
    const jobId = await api.execute('test', 'two-step-chain', { name: 'Bob' });
    const job = await api.waitForJob(jobId);
    expect(job.status).toBe('completed');
    expect(job.steps.map((s) => [s.step_name, s.status])).toEqual([
      ['greet', 'completed'],
      ['shout', 'completed'],
    ]);
    expect(job.steps[0]?.output).toEqual({ greeting: 'Hello Bob!' });
    const shoutLogs = await api.stepLogs(jobId, 'shout');
    expect(shoutLogs).toContain('HELLO BOB!');
    expect(shoutLogs).not.toContain('Hello Bob!');
  });

  it('§4.2.3 failing-task fails; its single step failed with an Exit code error', async () => {
    const api = stack().api;
    const job = await api.waitForJob(await api.execute('test', 'failing-task'));
    expect(job.status).toBe('failed');
    expect(job.steps).toHaveLength(1);
    expect(job.steps[0]?.status).toBe('failed');
    expect(job.steps[0]?.error_message).toMatch(/Exit code/i);
  });

  it('§4.2.7 simple-echo without input applies the task default: Hello E2E!', async () => {
    const api = stack().api;
    const jobId = await api.execute('test', 'simple-echo', {});
    const job = await api.waitForJob(jobId);
    expect(job.status).toBe('completed');
    expect(job.input).toEqual({ name: 'E2E' });
    expect(await api.logs(jobId)).toContain('Hello E2E!');
  });
});
