// The orchestrator cases of reference §4.4, one `it` each, against a real database.
import { Driver, startTestServer, type TestServer } from '../../testing/test-server';

const WORKFLOWS = `
actions:
  ok: { type: script, script: "true" }
  sub: { type: task, task: linear }
tasks:
  linear:
    flow:
      a: { action: ok }
      b: { action: ok, depends_on: [a] }
      c: { action: ok, depends_on: [b] }
  fan-in:
    flow:
      a: { action: ok }
      b: { action: ok }
      c: { action: ok, depends_on: [a, b] }
  diamond:
    flow:
      a: { action: ok }
      b: { action: ok, depends_on: [a] }
      c: { action: ok, depends_on: [a] }
      d: { action: ok, depends_on: [b, c] }
  cascade:
    flow:
      a: { action: ok }
      b: { action: ok, depends_on: [a] }
      c: { action: ok, depends_on: [b] }
      d: { action: ok, depends_on: [c] }
  tolerate:
    flow:
      a: { action: ok }
      b: { action: ok, depends_on: [a], continue_on_failure: true }
  tolerable-only:
    flow:
      a: { action: ok, continue_on_failure: true }
      b: { action: ok, continue_on_failure: true }
  when-input:
    input:
      go: { type: string, default: "yes" }
    flow:
      a: { action: ok }
      b: { action: ok, depends_on: [a], when: "{{ input.go == 'yes' }}" }
      c: { action: ok, depends_on: [b] }
  all-false:
    flow:
      a: { action: ok, when: "false" }
      b: { action: ok, when: "{{ 1 > 2 }}" }
  when-error:
    flow:
      a: { action: ok }
      b: { action: ok, depends_on: [a], when: "{{ nothing.here }}" }
  converge:
    flow:
      a: { action: ok }
      b: { action: ok, when: "false" }
      c: { action: ok, depends_on: [a, b] }
  converge-truthy-when:
    flow:
      a: { action: ok }
      b: { action: ok, when: "false" }
      c: { action: ok, depends_on: [a, b], when: "{{ a.output.go }}" }
  all-deps-skipped:
    flow:
      a: { action: ok, when: "false" }
      b: { action: ok, when: "false" }
      c: { action: ok, depends_on: [a, b], when: "true" }
      d: { action: ok, depends_on: [a, b], continue_on_failure: true }
  skipped-and-failed:
    flow:
      a: { action: ok }
      b: { action: ok, when: "false" }
      c: { action: ok, depends_on: [a, b] }
      d: { action: ok, depends_on: [a, b], continue_on_failure: true }
  three-way:
    flow:
      a: { action: ok }
      b: { action: ok, when: "false" }
      c: { action: ok, when: "false" }
      d: { action: ok, depends_on: [a, b, c] }
  branches:
    flow:
      a: { action: ok }
      left: { action: ok, depends_on: [a], when: "{{ a.output.side == 'left' }}" }
      right: { action: ok, depends_on: [a], when: "{{ a.output.side == 'right' }}" }
      left-2: { action: ok, depends_on: [left] }
  outputs:
    flow:
      a: { action: ok }
      b: { action: ok, depends_on: [a] }
      c: { action: ok, depends_on: [a] }
  loop:
    flow:
      each: { action: ok, for_each: [x, y, z] }
      after: { action: ok, depends_on: [each] }
  loop-seq:
    flow:
      each: { action: ok, for_each: "{{ [1, 2] | json_encode() }}", sequential: true }
  loop-empty:
    flow:
      each: { action: ok, for_each: [] }
  retrying:
    flow:
      flaky: { action: ok, retry: { max_attempts: 1, delay: 1s } }
  sub-task:
    flow:
      child: { action: sub }
`;

let server: TestServer;
let d: Driver;

beforeAll(async () => {
  server = await startTestServer({ '.workflows/flows.yaml': WORKFLOWS });
  d = new Driver(server);
});
afterAll(() => server.close());

describe('promotion', () => {
  it('promotes a linear chain one step at a time', async () => {
    const job = await d.execute('linear');
    expect(await d.statuses(job)).toEqual({ a: 'ready', b: 'pending', c: 'pending' });
    await d.complete(job, 'a');
    expect(await d.statuses(job)).toEqual({ a: 'completed', b: 'ready', c: 'pending' });
    await d.complete(job, 'b');
    await d.complete(job, 'c');
    expect((await d.job(job)).status).toBe('completed');
  });

  it('waits for every branch of a fan-in', async () => {
    const job = await d.execute('fan-in');
    expect(await d.statuses(job)).toEqual({ a: 'ready', b: 'ready', c: 'pending' });
    await d.complete(job, 'a');
    expect((await d.statuses(job))['c']).toBe('pending');
    await d.complete(job, 'b');
    expect((await d.statuses(job))['c']).toBe('ready');
  });

  it('promotes a fan-in exactly once when both branches complete at the same moment', async () => {
    for (let i = 0; i < 5; i++) {
      const job = await d.execute('fan-in');
      await Promise.all([d.complete(job, 'a'), d.complete(job, 'b')]);
      expect(await d.statuses(job)).toEqual({ a: 'completed', b: 'completed', c: 'ready' });
    }
  });

  it('joins a diamond only after both branches', async () => {
    const job = await d.execute('diamond');
    await d.complete(job, 'a');
    expect(await d.statuses(job)).toEqual({ a: 'completed', b: 'ready', c: 'ready', d: 'pending' });
    await d.complete(job, 'c');
    expect((await d.statuses(job))['d']).toBe('pending');
    await d.complete(job, 'b');
    expect((await d.statuses(job))['d']).toBe('ready');
  });
});

describe('failures', () => {
  it('skips the dependents of a failed step, on every level, and fails the job', async () => {
    const job = await d.execute('cascade');
    await d.fail(job, 'a');
    expect(await d.statuses(job)).toEqual({
      a: 'failed',
      b: 'skipped',
      c: 'skipped',
      d: 'skipped',
    });
    expect((await d.job(job)).status).toBe('failed');
  });

  it('runs a continue_on_failure dependent after a failure, and the job still fails', async () => {
    const job = await d.execute('tolerate');
    await d.fail(job, 'a');
    expect((await d.statuses(job))['b']).toBe('ready');
    await d.complete(job, 'b');
    expect((await d.job(job)).status).toBe('failed');
  });

  it('completes a job whose only failures are tolerated', async () => {
    const job = await d.execute('tolerable-only');
    await d.fail(job, 'a');
    await d.complete(job, 'b');
    expect((await d.job(job)).status).toBe('completed');
  });

  it('blocks a step with a skipped and a failed dependency, unless it continues on failure', async () => {
    const job = await d.execute('skipped-and-failed');
    await d.fail(job, 'a');
    expect(await d.statuses(job)).toMatchObject({ b: 'skipped', c: 'skipped', d: 'ready' });
  });
});

describe('when', () => {
  it('promotes a step whose condition is true', async () => {
    const job = await d.execute('when-input');
    await d.complete(job, 'a');
    expect((await d.statuses(job))['b']).toBe('ready');
  });

  it('skips a step whose condition is false, and its dependents', async () => {
    const job = await d.execute('when-input', { go: 'no' });
    await d.complete(job, 'a');
    expect(await d.statuses(job)).toEqual({ a: 'completed', b: 'skipped', c: 'skipped' });
    expect((await d.job(job)).status).toBe('completed');
  });

  it('completes a job at creation when every condition is false', async () => {
    const job = await d.execute('all-false');
    expect(await d.statuses(job)).toEqual({ a: 'skipped', b: 'skipped' });
    expect(await d.job(job)).toMatchObject({ status: 'completed', output: null });
  });

  it('fails a step whose condition does not render, and the job with it', async () => {
    const job = await d.execute('when-error');
    await d.complete(job, 'a');
    const view = await d.job(job);
    const b = view.steps.find((s) => s.step_name === 'b');
    expect(b?.status).toBe('failed');
    expect(b?.error_message).toMatch(/^when condition error: /);
    expect(view.status).toBe('failed');
  });

  it('evaluates sibling branches together', async () => {
    const job = await d.execute('branches');
    await d.complete(job, 'a', { side: 'left' });
    expect(await d.statuses(job)).toEqual({
      a: 'completed',
      left: 'ready',
      right: 'skipped',
      'left-2': 'pending',
    });
  });
});

describe('convergence', () => {
  it('runs a step when one dependency completed and another was skipped', async () => {
    const job = await d.execute('converge');
    await d.complete(job, 'a');
    expect((await d.statuses(job))['c']).toBe('ready');
  });

  it('runs a step with a truthy condition after a skipped dependency', async () => {
    const job = await d.execute('converge-truthy-when');
    await d.complete(job, 'a', { go: true });
    expect((await d.statuses(job))['c']).toBe('ready');
  });

  it('skips a step whose dependencies were all skipped, even with a truthy condition — unless it continues on failure', async () => {
    const job = await d.execute('all-deps-skipped');
    expect(await d.statuses(job)).toEqual({ a: 'skipped', b: 'skipped', c: 'skipped', d: 'ready' });
  });

  it('converges a three-way fan-in with one completed and two skipped dependencies', async () => {
    const job = await d.execute('three-way');
    await d.complete(job, 'a');
    expect((await d.statuses(job))['d']).toBe('ready');
  });
});

describe('job output', () => {
  it('collects the outputs of the terminal steps', async () => {
    const job = await d.execute('outputs');
    await d.complete(job, 'a', { n: 1 });
    await d.complete(job, 'b', { n: 2 });
    await d.complete(job, 'c', null);
    expect(await d.job(job)).toMatchObject({ status: 'completed', output: { b: { n: 2 } } });
  });
});

describe('for_each', () => {
  it('expands instances, then completes the placeholder with their outputs in order', async () => {
    const job = await d.execute('loop');
    expect(await d.statuses(job)).toEqual({
      each: 'running',
      'each[0]': 'ready',
      'each[1]': 'ready',
      'each[2]': 'ready',
      after: 'pending',
    });
    await d.complete(job, 'each[2]', 'z!');
    await d.complete(job, 'each[0]', 'x!');
    await d.fail(job, 'each[1]');
    const view = await d.job(job);
    expect(view.steps.map((s) => s.step_name)).toEqual([
      'each',
      'each[0]',
      'each[1]',
      'each[2]',
      'after',
    ]);
    expect(view.steps[0]).toMatchObject({
      status: 'failed',
      error_message: 'for_each loop failed: instances [1] failed',
    });
    expect(view.status).toBe('failed');
  });

  it('runs a sequential loop one instance after the other', async () => {
    const job = await d.execute('loop-seq');
    expect(await d.statuses(job)).toEqual({
      each: 'running',
      'each[0]': 'ready',
      'each[1]': 'pending',
    });
    await d.complete(job, 'each[0]', 1);
    expect((await d.statuses(job))['each[1]']).toBe('ready');
    await d.complete(job, 'each[1]', 2);
    expect(await d.job(job)).toMatchObject({ status: 'completed', output: { each: [1, 2] } });
  });

  it('skips a loop over nothing', async () => {
    const job = await d.execute('loop-empty');
    expect(await d.job(job)).toMatchObject({ status: 'completed', steps: [{ status: 'skipped' }] });
  });
});

describe('retries', () => {
  it('puts a failed step back to ready with a delay and its history, then lets it succeed', async () => {
    const job = await d.execute('retrying');
    await d.fail(job, 'flaky', 'first try');
    const view = (await d.job(job)) as unknown as {
      steps: {
        status: string;
        retry_attempt: number;
        retry_at: string;
        retry_history: { attempt: number; error: string }[];
      }[];
    };
    expect(view.steps[0]).toMatchObject({
      status: 'ready',
      retry_attempt: 1,
      retry_history: [{ attempt: 1, error: 'first try' }],
    });
    expect(Date.parse(view.steps[0].retry_at)).toBeGreaterThan(Date.now());
    await d.fail(job, 'flaky', 'second try');
    expect((await d.job(job)).status).toBe('failed');
  });
});

describe('server-dispatched steps', () => {
  // The sub-job cases of reference §4.4 live in ../dispatch/sub-jobs.int-spec.ts.
  it('runs a sub-task step on the server while its child job works', async () => {
    const job = await d.execute('sub-task');
    const view = await d.job(job);
    expect(view.status).toBe('running');
    expect(view.steps[0].status).toBe('running');
  });
});
