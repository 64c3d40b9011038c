// Hooks (reference §2.17.12, §2.15 HookContext, §4.4 hooks) against a real database.
import request from 'supertest';
import { Driver, startTestServer, type TestServer } from '../../testing/test-server';

const WORKFLOWS = `
actions:
  ok: { type: script, script: "true" }
  notify:
    type: script
    script: "echo {{ input.status }}"
    input:
      status: { type: string }
      channel: { type: string, default: "#ops" }
  notify-tagged:
    type: script
    tags: [hook-defaults]
    script: "echo {{ input.channel }} {{ input.status }}"
    input:
      status: { type: string }
      channel: { type: string, default: "#ops" }
  broken-template:
    type: script
    tags: [render-fail]
    script: "echo {{ nothing.here }}"
  run-report: { type: task, task: report }
  run-failing: { type: task, task: child-fails }
  gate: { type: approval, message: "Ship {{ input.version }}?" }
  run-restart: { type: task, task: restart }
  run-echo-again: { type: task, task: echo-again }
tasks:
  report:
    input:
      status: { type: string }
    flow:
      write: { action: ok }
  nothing-to-do:
    flow:
      a: { action: ok, when: "{{ false }}" }
    on_success:
      - action: notify
        input: { status: "{{ hook.status }}" }
  succeeds:
    flow:
      a: { action: ok }
    on_success:
      - action: notify
        input:
          status: "{{ hook.status }}"
          ctx: "{{ hook }}"
  fails:
    flow:
      a: { action: ok }
      b: { action: ok }
    on_error:
      - action: notify
        input:
          status: "{{ hook.status }}"
          ctx: "{{ hook }}"
    on_success:
      - action: notify
        input: { status: "should not fire" }
  tolerates:
    flow:
      a: { action: ok, continue_on_failure: true }
      b: { action: ok }
    on_success:
      - action: notify
        input:
          ctx: "{{ hook }}"
  task-hook:
    flow:
      a: { action: ok }
    on_success:
      - action: run-report
        input:
          status: "{{ hook.status }}"
  defaults:
    flow:
      a: { action: ok }
    on_success:
      - action: notify-tagged
        input:
          status: "{{ hook.status }}"
  render-fails:
    flow:
      a: { action: broken-template }
    on_error:
      - action: notify
        input:
          error: "{{ hook.error_message }}"
  uses-workspace-hooks:
    flow:
      a: { action: ok }
  parent:
    flow:
      child: { action: run-failing }
  child-fails:
    flow:
      a: { action: ok }
  cancelled:
    flow:
      a: { action: ok }
    on_cancel:
      - action: notify
        input: { status: "{{ hook.status }}" }
    on_error:
      - action: notify
        input: { status: "on_error fired" }
  approval:
    input:
      version: { type: string, default: "3" }
    flow:
      gate: { action: gate }
    on_suspended:
      - action: notify
        input:
          ctx: "{{ hook }}"
  echo-again:
    flow:
      a: { action: ok }
    on_success:
      - action: run-restart
        input: {}
  restart:
    flow:
      again: { action: run-echo-again }
  bad-hook:
    flow:
      a: { action: ok }
    on_success:
      - action: does-not-exist
        input: {}
on_error:
  - action: notify
    input:
      status: "workspace {{ hook.status }}"
`;

let server: TestServer;
let d: Driver;

beforeAll(async () => {
  server = await startTestServer({ '.workflows/flows.yaml': WORKFLOWS });
  d = new Driver(server);
});
afterAll(() => server.close());

interface JobRow {
  job_id: string;
  task_name: string;
  status: string;
  source_type: string;
  source_id: string | null;
}

interface Detail {
  job_id: string;
  task_name: string;
  status: string;
  source_type: string;
  source_id: string | null;
  input: Record<string, unknown>;
  steps: { step_name: string; status: string; input: Record<string, unknown> }[];
}

async function hookJobsOf(jobId: string): Promise<Detail[]> {
  const res = await request(server.http).get('/api/jobs?source_type=hook&limit=1000').expect(200);
  const rows = (res.body.items as JobRow[]).filter((j) => j.source_id === jobId);
  return Promise.all(
    rows.map(
      async (r) =>
        (await request(server.http).get(`/api/jobs/${r.job_id}`).expect(200)).body as Detail,
    ),
  );
}

async function onlyHookJob(jobId: string): Promise<Detail> {
  const jobs = await hookJobsOf(jobId);
  expect(jobs).toHaveLength(1);
  return jobs[0];
}

async function logsOf(jobId: string): Promise<string> {
  return (await request(server.http).get(`/api/jobs/${jobId}/logs`).expect(200)).body.logs;
}

/** Claims the one ready step tagged `tag`, as an exclusive worker with that tag would. */
async function claimTagged(tag: string, status: number) {
  const worker = await d.registerWorker(['script'], [tag]);
  return request(server.http)
    .post('/worker/jobs/claim')
    .send({ worker_id: worker, capabilities: ['script'], tags: [tag], exclusive: true })
    .expect(status);
}

describe('hooks', () => {
  it('fire on_success as a one-step _hook job with the rendered input', async () => {
    const jobId = await d.execute('succeeds');
    await d.complete(jobId, 'a');
    const hook = await onlyHookJob(jobId);
    expect(hook).toMatchObject({
      task_name: '_hook:notify',
      source_type: 'hook',
      source_id: jobId,
      status: 'pending',
    });
    expect(hook.steps).toHaveLength(1);
    expect(hook.steps[0]).toMatchObject({ step_name: 'hook', status: 'ready' });
    expect(hook.steps[0].input).toMatchObject({ status: 'completed', channel: '#ops' });
    const ctx = hook.steps[0].input['ctx'] as Record<string, unknown>;
    expect(ctx).toMatchObject({
      workspace: 'default',
      task_name: 'succeeds',
      job_id: jobId,
      status: 'completed',
      is_success: true,
      error_message: null,
      source_type: 'api',
      source_id: null,
      failed_steps: [],
      artifacts: [],
    });
    // The driver completes steps without a worker starting them, so the job has no start time.
    expect(ctx).toMatchObject({ started_at: null, duration_secs: null });
    expect(ctx['completed_at']).toEqual(expect.any(String));
    expect(await logsOf(jobId)).toContain(`[hooks] on_success hook 'notify' started job`);
  });

  it('fire for a job that is already over when it is created (every step skipped)', async () => {
    const jobId = await d.execute('nothing-to-do');
    const hook = await onlyHookJob(jobId);
    expect(hook).toMatchObject({ task_name: '_hook:notify', source_id: jobId });
    expect(hook.steps[0].input).toMatchObject({ status: 'completed' });
  });

  it('fire on_error with every failed step in one combined, multi-line error message', async () => {
    const jobId = await d.execute('fails');
    await d.fail(jobId, 'a', 'Exit code: 1\nStderr: first\nsecond');
    await d.fail(jobId, 'b', 'disk full');
    const hook = await onlyHookJob(jobId);
    const ctx = hook.steps[0].input['ctx'] as Record<string, unknown>;
    expect(ctx).toMatchObject({
      status: 'failed',
      is_success: false,
      error_message: "Step 'a': Exit code: 1\nStderr: first\nsecond; Step 'b': disk full",
      failed_steps: [
        {
          step_name: 'a',
          action_name: 'ok',
          error_message: 'Exit code: 1\nStderr: first\nsecond',
          continue_on_failure: false,
        },
        {
          step_name: 'b',
          action_name: 'ok',
          error_message: 'disk full',
          continue_on_failure: false,
        },
      ],
    });
    expect(hook.steps[0].input['status']).toBe('failed');
  });

  it('fire on_success when only tolerable steps failed, listing them', async () => {
    const jobId = await d.execute('tolerates');
    await d.fail(jobId, 'a', 'meh');
    await d.complete(jobId, 'b');
    expect((await d.job(jobId)).status).toBe('completed');
    const ctx = (await onlyHookJob(jobId)).steps[0].input['ctx'] as Record<string, unknown>;
    expect(ctx).toMatchObject({
      status: 'completed',
      is_success: true,
      failed_steps: [{ step_name: 'a', continue_on_failure: true, error_message: 'meh' }],
    });
  });

  it('never fire for hook jobs, and report a failed hook job on the original job', async () => {
    const jobId = await d.execute('succeeds');
    await d.complete(jobId, 'a');
    const hook = await onlyHookJob(jobId);
    await d.fail(hook.job_id, 'hook', 'webhook down');
    expect((await d.job(hook.job_id)).status).toBe('failed');
    expect(await hookJobsOf(hook.job_id)).toHaveLength(0);
    expect(await logsOf(jobId)).toContain(`[hooks] Hook '_hook:notify' failed: webhook down`);
  });

  it('start the whole task of a type: task hook action', async () => {
    const jobId = await d.execute('task-hook');
    await d.complete(jobId, 'a');
    const hook = await onlyHookJob(jobId);
    expect(hook).toMatchObject({ task_name: 'report', source_type: 'hook', source_id: jobId });
    expect(hook.input).toEqual({ status: 'completed' });
    expect(hook.steps.map((s) => s.step_name)).toEqual(['write']);
  });

  it("apply the hook action's input defaults, also in what the worker receives", async () => {
    const jobId = await d.execute('defaults');
    await d.complete(jobId, 'a');
    const hook = await onlyHookJob(jobId);
    expect(hook.steps[0].input).toEqual({ status: 'completed', channel: '#ops' });
    const claimed = (await claimTagged('hook-defaults', 200)).body;
    expect(claimed).toMatchObject({
      job_id: hook.job_id,
      input: { status: 'completed', channel: '#ops' },
      action_spec: { script: 'echo #ops completed' },
    });
  });

  it('fire on_error when a claim-time template error fails the step', async () => {
    const jobId = await d.execute('render-fails');
    await claimTagged('render-fail', 422);
    expect((await d.job(jobId)).status).toBe('failed');
    const hook = await onlyHookJob(jobId);
    expect(hook.steps[0].input['error']).toMatch(/^Step 'a': template error/);
  });

  it('fall back to workspace hooks for top-level jobs only', async () => {
    const top = await d.execute('uses-workspace-hooks');
    await d.fail(top, 'a');
    const hook = await onlyHookJob(top);
    expect(hook.steps[0].input['status']).toBe('workspace failed');

    const parent = await d.execute('parent');
    const res = await request(server.http).get('/api/jobs?source_type=task&limit=1000');
    const child = (res.body.items as JobRow[]).find((j) => j.source_id === `${parent}/child`);
    if (!child) throw new Error('no child job');
    await d.fail(child.job_id, 'a');
    expect(await hookJobsOf(child.job_id)).toHaveLength(0);
    expect((await d.job(parent)).status).toBe('failed');
    expect((await onlyHookJob(parent)).steps[0].input['status']).toBe('workspace failed');
  });

  it('fire on_cancel, not on_error, for a cancelled job', async () => {
    const jobId = await d.execute('cancelled');
    await request(server.http).post(`/api/jobs/${jobId}/cancel`).expect(200);
    const hook = await onlyHookJob(jobId);
    expect(hook.steps[0].input['status']).toBe('cancelled');
  });

  it('fire on_suspended with its own context when an approval step suspends', async () => {
    const jobId = await d.execute('approval');
    const hook = await onlyHookJob(jobId);
    expect(hook.steps[0].input['ctx']).toEqual({
      workspace: 'default',
      task_name: 'approval',
      job_id: jobId,
      step_name: 'gate',
      message: 'Ship 3?',
      source_type: 'api',
      source_id: null,
    });
  });

  it('log a hook that cannot start on the original job, which keeps its outcome', async () => {
    const jobId = await d.execute('bad-hook');
    await d.complete(jobId, 'a');
    expect((await d.job(jobId)).status).toBe('completed');
    expect(await logsOf(jobId)).toContain(
      `[hooks] on_success hook 'does-not-exist' could not start: action 'does-not-exist' does not exist`,
    );
  });

  it('stop hooks that start tasks firing hooks again at the nesting limit', async () => {
    // echo-again ends → its hook job runs `restart` → whose sub-job is echo-again again → …
    let current = await d.execute('echo-again');
    const seen = [current];
    for (let i = 0; i < 20; i++) {
      await d.complete(current, 'a');
      const [hook] = await hookJobsOf(current);
      if (!hook) break;
      const res = await request(server.http).get('/api/jobs?source_type=task&limit=1000');
      const child = (res.body.items as JobRow[]).find(
        (j) => j.source_id === `${hook.job_id}/again`,
      );
      if (!child) break;
      current = child.job_id;
      seen.push(current);
    }
    expect(seen.length).toBeLessThan(10);
    const logs = (await Promise.all(seen.map(logsOf))).join('\n');
    expect(logs).toMatch(/Maximum task nesting depth \(10\) exceeded/);
  });
});
