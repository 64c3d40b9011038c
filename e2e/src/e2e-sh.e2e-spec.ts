/**
 * Upstream's `tests/e2e.sh` (reference §4.1) against a real server and worker, auth off, serving
 * examples/default as `default`; plus the failure examples of that workspace.
 */
import { REPO_ROOT, useStack } from './harness/stack';
import { describeUpstreamE2eSh } from './scenarios/upstream-e2e-sh';
import { join } from 'node:path';

const stack = useStack({ workspaces: { default: join(REPO_ROOT, 'examples/default') } });

describeUpstreamE2eSh(stack, { source_type: 'api', source_id: null });

describe('examples/default failure handling and job output', () => {
  it('fail-in-chain: the failed step skips its dependent and fails the job', async () => {
    const api = stack().api;
    const job = await api.waitForJob(await api.execute('default', 'fail-in-chain'));
    expect(job.status).toBe('failed');
    expect(job.output).toBeNull();
    const status = Object.fromEntries(job.steps.map((s) => [s.step_name, s.status]));
    expect(status).toEqual({ 'step-fail': 'failed', 'step-after': 'skipped' });
    const failed = job.steps.find((s) => s.step_name === 'step-fail');
    expect(failed?.error_message).toContain('Error details');
  });

  it('fail-continue: the dependent still runs and completes, and the job fails', async () => {
    const api = stack().api;
    const job = await api.waitForJob(await api.execute('default', 'fail-continue'));
    expect(job.status).toBe('failed');
    const status = Object.fromEntries(job.steps.map((s) => [s.step_name, s.status]));
    expect(status).toEqual({ 'step-fail': 'failed', 'step-after': 'completed' });
    const after = job.steps.find((s) => s.step_name === 'step-after');
    expect(after?.output).toEqual({ greeting: 'Hello test' });
  });

  it('data-pipeline: the job output is the terminal step output keyed by step name', async () => {
    const api = stack().api;
    const job = await api.waitForJob(
      await api.execute('default', 'data-pipeline', { data: 'e2e' }),
    );
    expect(job.status).toBe('completed');
    expect(job.output).toEqual({ summarize: { summary: 'processed-e2e done' } });
  });
});
