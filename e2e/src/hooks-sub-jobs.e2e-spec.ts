/**
 * Hooks and sub-jobs with real processes: upstream's `tests/e2e.sh` §4.1.10–11 on
 * examples/default, and `crates/stroem-e2e` §4.2.4, 8, 9 on its fixture workspace `test`.
 */
import { join } from 'node:path';
import type { Api, JobDetail } from './harness/api';
import { poll } from './harness/api';
import { fixtureWorkspace, REPO_ROOT, useStack } from './harness/stack';

const stack = useStack({
  workspaces: {
    default: join(REPO_ROOT, 'examples/default'),
    test: fixtureWorkspace('e2e-workspace'),
  },
});

interface JobItem {
  job_id: string;
  task_name: string;
  status: string;
  source_type: string;
  source_id: string | null;
}

/** Waits for a job matching `match` to show up in the job list, then for it to end. */
async function waitForListedJob(
  api: Api,
  query: string,
  match: (job: JobItem) => boolean,
): Promise<JobDetail> {
  const found = await poll(
    async () => (await api.get<{ items: JobItem[] }>(`/api/jobs?${query}`)).body.items.find(match),
    (job) => job !== undefined,
    60_000,
    () => `no job matching ${query} appeared`,
  );
  return api.waitForJob((found as JobItem).job_id, { timeoutMs: 60_000 });
}

describe('hooks (§4.1.10–11, §4.2.4, §4.2.8)', () => {
  it('§4.1.11 python-crash-with-hook: the on_error hook job runs and prints what failed', async () => {
    const api = stack().api;
    const jobId = await api.execute('default', 'python-crash-with-hook');
    const job = await api.waitForJob(jobId, { timeoutMs: 60_000 });
    expect(job.status).toBe('failed');
    const crash = job.steps.find((s) => s.step_name === 'crash');
    expect(crash?.error_message).toContain('KeyError');
    expect(crash?.error_message).toContain('missing_key');

    const hook = await waitForListedJob(
      api,
      'source_type=hook&limit=50',
      (j) => j.source_id === jobId,
    );
    expect(['completed', 'failed']).toContain(hook.status);
    expect(hook.source_type).toBe('hook');
    expect(hook.task_name).toBe('_hook:log-hook-result');
    const logs = await api.logs(hook.job_id);
    expect(logs).toContain('HOOK_FIRED');
    expect(logs).toContain('status=failed');
    expect(logs).toContain('KeyError');
  });

  it('§4.2.4 hook-on-error: the failed job starts a hook job that completes', async () => {
    const api = stack().api;
    const jobId = await api.execute('test', 'hook-on-error');
    expect((await api.waitForJob(jobId)).status).toBe('failed');
    const hook = await waitForListedJob(api, 'source_type=hook', (j) => j.source_id === jobId);
    expect(hook.status).toBe('completed');
    expect(await api.logs(hook.job_id)).toContain('HOOK failed for hook-on-error');
  });

  it('§4.2.8 hook-on-success: the completed job starts a hook job that completes', async () => {
    const api = stack().api;
    const jobId = await api.execute('test', 'hook-on-success');
    expect((await api.waitForJob(jobId)).status).toBe('completed');
    const hook = await waitForListedJob(api, 'source_type=hook', (j) => j.source_id === jobId);
    expect(hook.status).toBe('completed');
    expect(await api.logs(hook.job_id)).toContain(`SUCCESS_HOOK ${jobId}`);
  });
});

describe('sub-jobs (§4.2.9)', () => {
  it('parent-task completes through a simple-echo child job linked to it', async () => {
    const api = stack().api;
    const parentId = await api.execute('test', 'parent-task', { name: 'Child' });
    const parent = await api.waitForJob(parentId);
    expect(parent.status).toBe('completed');
    expect(parent.steps.map((s) => [s.step_name, s.status])).toEqual([['child', 'completed']]);
    expect(parent.steps[0]?.output).toEqual({ greet: { greeting: 'Hello Child!' } });

    const children = (await api.get<{ items: JobItem[] }>('/api/jobs?source_type=task')).body.items;
    const child = children.find((j) => j.source_id?.startsWith(`${parentId}/`));
    expect(child).toMatchObject({ task_name: 'simple-echo', status: 'completed' });
    const detail = await api.job((child as JobItem).job_id);
    expect(detail['parent_job_id']).toBe(parentId);
    expect(detail.steps.map((s) => s.status)).toEqual(['completed']);
    expect(await api.logs(detail.job_id)).toContain('Hello Child!');
  });
});
