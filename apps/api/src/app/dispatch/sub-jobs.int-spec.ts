// `type: task` steps (reference §2.17.7, §2.17.4 step 6, §4.4 sub-jobs) against a real database.
import request from 'supertest';
import { Driver, startTestServer, type TestServer } from '../../testing/test-server';

const WORKFLOWS = `
actions:
  ok: { type: script, script: "true" }
  run-child:
    type: task
    task: child
    input:
      name: { type: string, default: Kid }
      tier: { type: string, default: gold }
  run-item: { type: task, task: item }
  run-self: { type: task, task: recurse }
  run-missing: { type: task, task: no-such-task }
tasks:
  child:
    input:
      name: { type: string }
    flow:
      work: { action: ok }
  item:
    flow:
      work: { action: ok }
  parent:
    input:
      who: { type: string, default: Child }
    flow:
      child:
        action: run-child
        input:
          name: "{{ input.who }}"
      after: { action: ok, depends_on: [child] }
  parent-skip:
    flow:
      child: { action: run-child, when: "false" }
  parent-loop:
    flow:
      each:
        action: run-item
        for_each: [a, b]
  recurse:
    flow:
      again: { action: run-self }
  parent-missing:
    flow:
      child: { action: run-missing }
  parent-bad-input:
    flow:
      child:
        action: run-child
        input:
          name: "{{ nothing.here }}"
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
  parent_job_id?: string | null;
  parent_step_name?: string | null;
}

async function jobsWhere(filter: (job: JobRow) => boolean): Promise<JobRow[]> {
  const res = await request(server.http).get('/api/jobs?limit=1000').expect(200);
  return (res.body.items as JobRow[]).filter(filter);
}

async function childOf(parentId: string, step = 'child'): Promise<JobRow> {
  const [child] = await jobsWhere((j) => j.source_id === `${parentId}/${step}`);
  if (!child) throw new Error(`no child job for ${parentId}/${step}`);
  return child;
}

describe('type: task steps', () => {
  it('creates a linked child job with the rendered input and action defaults', async () => {
    const parent = await d.execute('parent', { who: 'Ada' });
    const view = await d.job(parent);
    expect(view.status).toBe('running');
    expect(view.steps.find((s) => s.step_name === 'child')?.status).toBe('running');
    const child = await childOf(parent);
    expect(child).toMatchObject({ task_name: 'child', source_type: 'task', status: 'pending' });
    const detail = (await request(server.http).get(`/api/jobs/${child.job_id}`).expect(200))
      .body as Record<string, unknown>;
    expect(detail).toMatchObject({
      parent_job_id: parent,
      parent_step_name: 'child',
      input: { name: 'Ada', tier: 'gold' },
    });
    const parentDetail = (await request(server.http).get(`/api/jobs/${parent}`).expect(200))
      .body as { revision: string; steps: { step_name: string; input: unknown }[] };
    expect(detail['revision']).toBe(parentDetail.revision);
    expect(parentDetail.steps.find((s) => s.step_name === 'child')?.input).toEqual({
      name: 'Ada',
      tier: 'gold',
    });
  });

  it('completes the parent step with the child job output, then the parent runs on', async () => {
    const parent = await d.execute('parent');
    const child = await childOf(parent);
    await d.complete(child.job_id, 'work', { greeting: 'hi' });
    expect((await d.job(child.job_id)).status).toBe('completed');
    const view = await d.job(parent);
    const step = view.steps.find((s) => s.step_name === 'child');
    expect(step?.status).toBe('completed');
    expect(step?.output).toEqual({ work: { greeting: 'hi' } });
    expect(view.steps.find((s) => s.step_name === 'after')?.status).toBe('ready');
    await d.complete(parent, 'after');
    expect((await d.job(parent)).status).toBe('completed');
  });

  it('fails the parent step when the child job fails', async () => {
    const parent = await d.execute('parent');
    const child = await childOf(parent);
    await d.fail(child.job_id, 'work');
    const view = await d.job(parent);
    expect(view.status).toBe('failed');
    expect(view.steps.find((s) => s.step_name === 'child')?.error_message).toBe(
      `Child job ${child.job_id} failed`,
    );
    expect(view.steps.find((s) => s.step_name === 'after')?.status).toBe('skipped');
  });

  it('cancels the parent step when the child job is cancelled', async () => {
    const parent = await d.execute('parent');
    const child = await childOf(parent);
    await request(server.http).post(`/api/jobs/${child.job_id}/cancel`).expect(200);
    const view = await d.job(parent);
    expect(view.steps.find((s) => s.step_name === 'child')?.status).toBe('cancelled');
    expect(view.status).not.toBe('running');
  });

  it('skips a task step whose root when is false at creation, creating no child', async () => {
    const parent = await d.execute('parent-skip');
    const view = await d.job(parent);
    expect(view.status).toBe('completed');
    expect(view.steps[0].status).toBe('skipped');
    expect(await jobsWhere((j) => j.source_id === `${parent}/child`)).toHaveLength(0);
  });

  it('creates one child job per for_each instance and collects their outputs', async () => {
    const parent = await d.execute('parent-loop');
    const first = await childOf(parent, 'each[0]');
    const second = await childOf(parent, 'each[1]');
    await d.complete(first.job_id, 'work', 1);
    expect((await d.job(parent)).status).toBe('running');
    await d.complete(second.job_id, 'work', 2);
    const view = await d.job(parent);
    expect(view.status).toBe('completed');
    expect(view.steps.find((s) => s.step_name === 'each')?.output).toEqual([
      { work: 1 },
      { work: 2 },
    ]);
  });

  it('stops a task that starts itself at the nesting depth limit', async () => {
    const root = await d.execute('recurse');
    const chain: string[] = [root];
    for (;;) {
      const next = await jobsWhere((j) => j.source_id === `${chain[chain.length - 1]}/again`);
      if (next.length === 0) break;
      chain.push(next[0].job_id);
    }
    expect(chain).toHaveLength(10);
    const deepest = await d.job(chain[chain.length - 1]);
    expect(deepest.steps[0].error_message).toMatch(/^Maximum task nesting depth \(10\) exceeded/);
    for (const id of chain) expect((await d.job(id)).status).toBe('failed');
    expect((await d.job(root)).steps[0].error_message).toBe(`Child job ${chain[1]} failed`);
  });

  it('fails the step when the child job cannot be created', async () => {
    const parent = await d.execute('parent-missing');
    const view = await d.job(parent);
    expect(view.status).toBe('failed');
    expect(view.steps[0].error_message).toMatch(
      /^Failed to create child job: Task 'no-such-task' not found/,
    );
  });

  it('fails the step when its input does not render', async () => {
    const parent = await d.execute('parent-bad-input');
    const view = await d.job(parent);
    expect(view.status).toBe('failed');
    expect(view.steps[0].error_message).toMatch(/^template error.*'nothing.here' is undefined/);
  });
});
