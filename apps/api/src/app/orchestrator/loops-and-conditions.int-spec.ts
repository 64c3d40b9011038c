// `when` and `for_each` cases of reference §4.4 / §2.17.6 not covered by orchestrator.int-spec,
// and the "explode" cases of issue 4: each ends in a clear step error and the server stays healthy.
import request from 'supertest';
import { Driver, startTestServer, type TestServer } from '../../testing/test-server';

const WORKFLOWS = `
actions:
  ok: { type: script, script: "true" }
  show:
    type: script
    input:
      label: { type: string }
    script: "echo {{ input.label }} {{ each.item }} {{ each.index }}/{{ each.total }}"
tasks:
  root-when-throws:
    flow:
      a: { action: ok, when: "{{ throw(message='boom') }}" }
      b: { action: ok, depends_on: [a] }
  root-when-false:
    flow:
      a: { action: ok, when: "{{ 1 > 2 }}" }
      b: { action: ok }
  each-context:
    flow:
      each:
        action: show
        for_each: ["x", "y"]
        timeout: 90
        input: { label: "item-{{ each.item }}" }
  from-output:
    flow:
      list: { action: ok }
      each:
        action: ok
        depends_on: [list]
        for_each: "{{ list.output.items | json_encode() }}"
      after: { action: ok, depends_on: [each], input: { all: "{{ each.output | json_encode() }}" } }
  default-timeout:
    flow:
      each: { action: ok, for_each: [1, 2] }
  seq-stop:
    flow:
      each: { action: ok, for_each: [1, 2, 3], sequential: true }
  seq-go-on:
    flow:
      each: { action: ok, for_each: [1, 2, 3], sequential: true, continue_on_failure: true }
  not-a-list:
    flow:
      each: { action: ok, for_each: "{{ 'abc' }}" }
  too-many:
    flow:
      each: { action: ok, for_each: "{{ range(end=10001) | json_encode() }}" }
  explode:
    flow:
      each: { action: ok, for_each: "{{ range(end=100000) | json_encode() }}" }
      after: { action: ok, depends_on: [each] }
  loop-when-false:
    flow:
      each: { action: ok, for_each: [1, 2], when: "false" }
`;

let server: TestServer;
let d: Driver;
let worker: string;

beforeAll(async () => {
  server = await startTestServer({ '.workflows/w.yaml': WORKFLOWS }, { default_step_timeout: 120 });
  d = new Driver(server);
  worker = await d.registerWorker();
});
afterAll(() => server.close());

const healthy = () => request(server.http).get('/healthz').expect(200);

const claimed = new Map<string, { [key: string]: unknown }>();

/** Claims until the worker gets `step` of `jobId`; other steps it gets are kept for later. */
async function claim(jobId: string, step: string) {
  for (let i = 0; i < 50 && !claimed.has(`${jobId}/${step}`); i++) {
    const res = await request(server.http)
      .post('/worker/jobs/claim')
      .send({ worker_id: worker, capabilities: ['script'], tags: [] })
      .expect(200);
    if (res.body.job_id === null) break;
    claimed.set(`${res.body.job_id}/${res.body.step_name}`, res.body);
  }
  const body = claimed.get(`${jobId}/${step}`);
  if (!body) throw new Error(`step '${step}' of job ${jobId} was not claimable`);
  return body as { input: unknown; action_spec: { script: string }; timeout_secs: number };
}

function stepOf(job: Awaited<ReturnType<Driver['job']>>, name: string) {
  const step = job.steps.find((s) => s.step_name === name);
  if (!step) throw new Error(`no step '${name}'`);
  return step;
}

describe('when', () => {
  it('fails a root step whose condition throws at creation, with the message, and the job', async () => {
    const job = await d.job(await d.execute('root-when-throws'));
    expect(stepOf(job, 'a')).toMatchObject({ status: 'failed' });
    expect(stepOf(job, 'a').error_message).toMatch(/^when condition error: .*boom/);
    expect(stepOf(job, 'b').status).toBe('skipped');
    expect(job.status).toBe('failed');
    await healthy();
  });

  it('skips a root step whose condition is false at creation, beside a ready one', async () => {
    expect(await d.statuses(await d.execute('root-when-false'))).toEqual({
      a: 'skipped',
      b: 'ready',
    });
  });

  it('skips a loop whose condition is false without expanding it', async () => {
    const job = await d.job(await d.execute('loop-when-false'));
    expect(job.steps.map((s) => [s.step_name, s.status])).toEqual([['each', 'skipped']]);
    expect(job.status).toBe('completed');
  });
});

describe('for_each', () => {
  it('gives each instance its item, index and total at claim, and the step timeout', async () => {
    const jobId = await d.execute('each-context');
    const second = await claim(jobId, 'each[1]');
    expect(second.input).toEqual({ label: 'item-y' });
    expect(second.action_spec.script).toBe('echo item-y y 1/2');
    expect(second.timeout_secs).toBe(90);
    const first = await claim(jobId, 'each[0]');
    expect(first.action_spec.script).toBe('echo item-x x 0/2');
  });

  it('gives instances the server default step timeout when the step has none', async () => {
    const jobId = await d.execute('default-timeout');
    expect((await claim(jobId, 'each[0]')).timeout_secs).toBe(120);
  });

  it('loops over a template array from an earlier output; the placeholder output keeps item order', async () => {
    const jobId = await d.execute('from-output');
    await d.complete(jobId, 'list', { items: ['a', 'b', 'c'] });
    expect(await d.statuses(jobId)).toMatchObject({
      each: 'running',
      'each[0]': 'ready',
      'each[1]': 'ready',
      'each[2]': 'ready',
      after: 'pending',
    });
    await d.complete(jobId, 'each[2]', 'C');
    await d.complete(jobId, 'each[0]', 'A');
    await d.complete(jobId, 'each[1]', 'B');
    const job = await d.job(jobId);
    expect(stepOf(job, 'each')).toMatchObject({ status: 'completed', output: ['A', 'B', 'C'] });
    expect((await claim(jobId, 'after')).input).toEqual({ all: '["A","B","C"]' });
  });

  it('stops a sequential loop at the first failure, skipping the rest', async () => {
    const jobId = await d.execute('seq-stop');
    await d.fail(jobId, 'each[0]');
    expect(await d.statuses(jobId)).toEqual({
      each: 'failed',
      'each[0]': 'failed',
      'each[1]': 'skipped',
      'each[2]': 'skipped',
    });
  });

  it('goes on after a failure in a sequential loop that continues on failure', async () => {
    const jobId = await d.execute('seq-go-on');
    await d.fail(jobId, 'each[0]');
    expect((await d.statuses(jobId))['each[1]']).toBe('ready');
    await d.complete(jobId, 'each[1]', 2);
    await d.complete(jobId, 'each[2]', 3);
    const job = await d.job(jobId);
    expect(stepOf(job, 'each')).toMatchObject({ status: 'completed', output: [null, 2, 3] });
    expect(job.status).toBe('completed');
  });

  it('fails a loop whose expression is not a JSON array', async () => {
    const job = await d.job(await d.execute('not-a-list'));
    expect(stepOf(job, 'each').error_message).toMatch(/for_each must render a JSON array/);
    expect(job.status).toBe('failed');
  });

  it('fails a loop over more than 10 000 items without creating instances', async () => {
    const job = await d.job(await d.execute('too-many'));
    expect(job.steps).toHaveLength(1);
    expect(job.steps[0]).toMatchObject({
      status: 'failed',
      error_message: 'for_each produced 10001 items; at most 10000 are allowed',
    });
  });

  it('fails a loop over 100 000 items fast, and the server stays healthy', async () => {
    const started = Date.now();
    const jobId = await d.execute('explode');
    expect(Date.now() - started).toBeLessThan(5_000);
    const job = await d.job(jobId);
    expect(job.steps.map((s) => [s.step_name, s.status])).toEqual([
      ['each', 'failed'],
      ['after', 'skipped'],
    ]);
    expect(job.steps[0].error_message).toMatch(/100000 items; at most 10000/);
    expect(job.status).toBe('failed');
    await healthy();
    const logs = (await request(server.http).get(`/api/jobs/${jobId}/logs`).expect(200)).body.logs;
    expect(logs).toMatch(/Step 'each': for_each produced 100000 items/);
  });
});
