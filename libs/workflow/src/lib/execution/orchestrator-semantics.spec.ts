/**
 * Upstream's orchestrator cases (reference §4.4, `orchestrator_test.rs`), one `it` each, driven
 * through the pure promotion and verdict rules the server and `stroem run` share.
 */
import type { JsonValue } from '../model/workflow.model';
import { jobVerdict, type StepOutcome } from './job-verdict';
import { promoteSteps, type ConditionResult, type PromotableStep } from './promotion';
import type { StepStatus } from './step-status';

interface StepSpec {
  depends_on?: string[];
  continue_on_failure?: boolean;
  /** 'true' / 'false' evaluate to that; 'error' fails to render. */
  when?: 'true' | 'false' | 'error';
}

/** A job's steps in memory: created, then moved along as steps finish. */
class TestJob {
  readonly flow: Record<string, PromotableStep>;
  readonly steps: Record<string, StepOutcome & { error?: string }> = {};

  constructor(spec: Record<string, StepSpec>) {
    this.flow = Object.fromEntries(
      Object.entries(spec).map(([name, s]) => [
        name,
        {
          depends_on: s.depends_on ?? [],
          continue_on_failure: s.continue_on_failure ?? false,
          when: s.when,
        },
      ]),
    );
    for (const name of Object.keys(spec)) this.steps[name] = { status: 'pending' };
    this.promote();
  }

  complete(step: string, output: JsonValue = null): this {
    return this.finish(step, 'completed', output);
  }

  fail(step: string): this {
    return this.finish(step, 'failed');
  }

  cancel(step: string): this {
    return this.finish(step, 'cancelled');
  }

  status(step: string): StepStatus {
    return this.steps[step].status;
  }

  statuses(): Record<string, StepStatus> {
    return Object.fromEntries(Object.entries(this.steps).map(([n, s]) => [n, s.status]));
  }

  verdict() {
    return jobVerdict(this.flow, this.steps);
  }

  private finish(step: string, status: StepStatus, output?: JsonValue): this {
    expect(['ready', 'running']).toContain(this.steps[step].status);
    this.steps[step] = { status, output };
    this.promote();
    return this;
  }

  private promote(): void {
    const changes = promoteSteps(this.flow, this.statuses(), (name): ConditionResult => {
      const when = this.flow[name].when;
      if (when === 'error') return { ok: false, error: 'Variable `nope` not found' };
      return { ok: true, value: when === 'true' };
    });
    for (const { step, decision } of changes) {
      if (decision.action === 'ready') this.steps[step] = { status: 'ready' };
      else if (decision.action === 'skip') this.steps[step] = { status: 'skipped' };
      else this.steps[step] = { status: 'failed', error: decision.error };
    }
  }
}

describe('orchestrator semantics (upstream orchestrator_test.rs)', () => {
  it('promotes a linear chain one step at a time', () => {
    const job = new TestJob({ a: {}, b: { depends_on: ['a'] }, c: { depends_on: ['b'] } });
    expect(job.statuses()).toEqual({ a: 'ready', b: 'pending', c: 'pending' });
    job.complete('a');
    expect(job.statuses()).toEqual({ a: 'completed', b: 'ready', c: 'pending' });
    job.complete('b');
    expect(job.status('c')).toBe('ready');
  });

  it('waits for every branch of a parallel fan-in', () => {
    const job = new TestJob({ a: {}, b: {}, c: { depends_on: ['a', 'b'] } });
    expect(job.statuses()).toEqual({ a: 'ready', b: 'ready', c: 'pending' });
    job.complete('a');
    expect(job.status('c')).toBe('pending');
    job.complete('b');
    expect(job.status('c')).toBe('ready');
  });

  it('skips the dependents of a failed step', () => {
    const job = new TestJob({ a: {}, b: { depends_on: ['a'] } });
    job.fail('a');
    expect(job.status('b')).toBe('skipped');
  });

  it('promotes a continue_on_failure dependent after a failure', () => {
    const job = new TestJob({ a: {}, b: { depends_on: ['a'], continue_on_failure: true } });
    job.fail('a');
    expect(job.status('b')).toBe('ready');
  });

  it('completes the job when every step completed', () => {
    const job = new TestJob({ a: {}, b: { depends_on: ['a'] } });
    job.complete('a', { x: 1 }).complete('b', { y: 2 });
    expect(job.verdict()).toEqual({ terminal: true, status: 'completed', output: { b: { y: 2 } } });
  });

  it('fails the job when one step completed and another failed', () => {
    const job = new TestJob({ a: {}, b: {} });
    job.complete('a', 1).fail('b');
    expect(job.verdict()).toEqual({ terminal: true, status: 'failed', output: null });
  });

  it('cascades a skip through several levels', () => {
    const job = new TestJob({
      a: {},
      b: { depends_on: ['a'] },
      c: { depends_on: ['b'] },
      d: { depends_on: ['c'] },
    });
    job.fail('a');
    expect(job.statuses()).toEqual({ a: 'failed', b: 'skipped', c: 'skipped', d: 'skipped' });
    expect(job.verdict()).toMatchObject({ status: 'failed' });
  });

  it('completes the job when every failure was tolerable', () => {
    const job = new TestJob({ a: { continue_on_failure: true }, b: { continue_on_failure: true } });
    job.fail('a').fail('b');
    expect(job.verdict()).toEqual({ terminal: true, status: 'completed', output: null });
  });

  it('makes a diamond join wait for both branches', () => {
    const job = new TestJob({
      a: {},
      b: { depends_on: ['a'] },
      c: { depends_on: ['a'] },
      d: { depends_on: ['b', 'c'] },
    });
    job.complete('a');
    expect(job.statuses()).toEqual({ a: 'completed', b: 'ready', c: 'ready', d: 'pending' });
    job.complete('b');
    expect(job.status('d')).toBe('pending');
    job.complete('c');
    expect(job.status('d')).toBe('ready');
  });

  it('promotes a step whose when is true', () => {
    const job = new TestJob({ a: {}, b: { depends_on: ['a'], when: 'true' } });
    job.complete('a');
    expect(job.status('b')).toBe('ready');
  });

  it('skips a step whose when is false', () => {
    const job = new TestJob({ a: {}, b: { depends_on: ['a'], when: 'false' } });
    job.complete('a');
    expect(job.status('b')).toBe('skipped');
  });

  it('cascades a when-skip downstream', () => {
    const job = new TestJob({
      a: {},
      b: { depends_on: ['a'], when: 'false' },
      c: { depends_on: ['b'] },
    });
    job.complete('a');
    expect(job.statuses()).toEqual({ a: 'completed', b: 'skipped', c: 'skipped' });
  });

  it('completes the job with null output when every when is false', () => {
    const job = new TestJob({ a: { when: 'false' }, b: { when: 'false' } });
    expect(job.statuses()).toEqual({ a: 'skipped', b: 'skipped' });
    expect(job.verdict()).toEqual({ terminal: true, status: 'completed', output: null });
  });

  it('treats a skipped dependency as satisfied for a step with a truthy when', () => {
    const job = new TestJob({
      a: { when: 'false' },
      b: {},
      c: { depends_on: ['a', 'b'], when: 'true' },
    });
    expect(job.status('a')).toBe('skipped');
    job.complete('b');
    expect(job.status('c')).toBe('ready');
  });

  it('evaluates sibling branches together', () => {
    const job = new TestJob({
      a: {},
      yes: { depends_on: ['a'], when: 'true' },
      no: { depends_on: ['a'], when: 'false' },
    });
    job.complete('a');
    expect(job.statuses()).toEqual({ a: 'completed', yes: 'ready', no: 'skipped' });
  });

  it('fails a step whose when does not render', () => {
    const job = new TestJob({ a: {}, b: { depends_on: ['a'], when: 'error' } });
    job.complete('a');
    expect(job.status('b')).toBe('failed');
    expect(job.steps['b'].error).toMatch(/^when condition error: /);
    expect(job.verdict()).toMatchObject({ status: 'failed' });
  });

  it('skips a step when all its dependencies were skipped', () => {
    const job = new TestJob({
      a: { when: 'false' },
      b: { when: 'false' },
      c: { depends_on: ['a', 'b'] },
    });
    expect(job.status('c')).toBe('skipped');
  });

  it('converges without continue_on_failure when one branch was skipped', () => {
    const job = new TestJob({
      a: {},
      b: { depends_on: ['a'], when: 'false' },
      c: { depends_on: ['a'] },
      d: { depends_on: ['b', 'c'] },
    });
    job.complete('a');
    expect(job.status('b')).toBe('skipped');
    job.complete('c');
    expect(job.status('d')).toBe('ready');
  });

  it('cascades a skip along a multi-step branch while the other branch runs', () => {
    const job = new TestJob({
      a: {},
      b1: { depends_on: ['a'], when: 'false' },
      b2: { depends_on: ['b1'] },
      b3: { depends_on: ['b2'] },
      c1: { depends_on: ['a'] },
    });
    job.complete('a');
    expect(job.statuses()).toEqual({
      a: 'completed',
      b1: 'skipped',
      b2: 'skipped',
      b3: 'skipped',
      c1: 'ready',
    });
  });

  it('blocks a step with a skipped and a failed dependency without continue_on_failure', () => {
    const job = new TestJob({ a: { when: 'false' }, b: {}, c: { depends_on: ['a', 'b'] } });
    job.fail('b');
    expect(job.status('c')).toBe('skipped');
  });

  it('runs a step with a skipped and a failed dependency with continue_on_failure', () => {
    const job = new TestJob({
      a: { when: 'false' },
      b: {},
      c: { depends_on: ['a', 'b'], continue_on_failure: true },
    });
    job.fail('b');
    expect(job.status('c')).toBe('ready');
  });

  it('runs a step with one completed and one skipped dependency', () => {
    const job = new TestJob({ a: {}, b: { when: 'false' }, c: { depends_on: ['a', 'b'] } });
    job.complete('a');
    expect(job.status('c')).toBe('ready');
  });

  it('blocks a step whose dependency was cancelled without continue_on_failure', () => {
    const job = new TestJob({ a: {}, b: { depends_on: ['a'] } });
    job.cancel('a');
    expect(job.status('b')).toBe('skipped');
  });

  it('promotes a step whose dependency was cancelled with continue_on_failure', () => {
    const job = new TestJob({ a: {}, b: { depends_on: ['a'], continue_on_failure: true } });
    job.cancel('a');
    expect(job.status('b')).toBe('ready');
  });

  it('runs a continue_on_failure step whose dependencies were all skipped', () => {
    const job = new TestJob({
      a: { when: 'false' },
      b: { when: 'false' },
      c: { depends_on: ['a', 'b'], continue_on_failure: true },
    });
    expect(job.status('c')).toBe('ready');
  });

  it('lets the all-dependencies-skipped cascade override a truthy when', () => {
    const job = new TestJob({ a: { when: 'false' }, b: { depends_on: ['a'], when: 'true' } });
    expect(job.status('b')).toBe('skipped');
  });

  it('converges a 3-dependency fan-in with one completed and two skipped', () => {
    const job = new TestJob({
      a: {},
      b: { when: 'false' },
      c: { when: 'false' },
      d: { depends_on: ['a', 'b', 'c'] },
    });
    expect(job.status('d')).toBe('pending');
    job.complete('a');
    expect(job.status('d')).toBe('ready');
  });

  it('skips a root step whose when is false at creation', () => {
    const job = new TestJob({ root: { when: 'false' }, next: { depends_on: ['root'] } });
    expect(job.statuses()).toEqual({ root: 'skipped', next: 'skipped' });
  });

  it('fails the job when a step without continue_on_failure failed even if its dependent ran', () => {
    const job = new TestJob({
      'step-fail': {},
      'step-after': { depends_on: ['step-fail'], continue_on_failure: true },
    });
    job.fail('step-fail');
    expect(job.status('step-after')).toBe('ready');
    job.complete('step-after', { ok: true });
    expect(job.verdict()).toEqual({ terminal: true, status: 'failed', output: null });
  });
});
