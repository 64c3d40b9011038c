import { jobVerdict } from './job-verdict';

const flow = {
  fetch: { depends_on: [], continue_on_failure: false },
  process: { depends_on: ['fetch'], continue_on_failure: false },
  notify: { depends_on: ['fetch'], continue_on_failure: true },
};

describe('jobVerdict', () => {
  it('is not terminal while a step is pending, running or suspended', () => {
    expect(
      jobVerdict(flow, {
        fetch: { status: 'completed' },
        process: { status: 'suspended' },
        notify: { status: 'completed' },
      }),
    ).toEqual({ terminal: false });
  });

  it('collects only the non-null outputs of terminal DAG steps', () => {
    expect(
      jobVerdict(flow, {
        fetch: { status: 'completed', output: { rows: 3 } },
        process: { status: 'completed', output: { summary: 'done' } },
        notify: { status: 'completed', output: null },
      }),
    ).toEqual({ terminal: true, status: 'completed', output: { process: { summary: 'done' } } });
  });

  it('never fails the job for skipped steps', () => {
    expect(
      jobVerdict(flow, {
        fetch: { status: 'completed' },
        process: { status: 'skipped' },
        notify: { status: 'skipped' },
      }),
    ).toEqual({ terminal: true, status: 'completed', output: null });
  });

  it('maps a failed loop instance to its flow step for continue_on_failure', () => {
    const loopFlow = { each: { depends_on: [], continue_on_failure: false } };
    expect(
      jobVerdict(loopFlow, {
        each: { status: 'failed' },
        'each[0]': { status: 'failed' },
      }),
    ).toMatchObject({ status: 'failed' });
    const tolerant = { each: { depends_on: [], continue_on_failure: true } };
    expect(
      jobVerdict(tolerant, {
        'each[0]': { status: 'failed' },
        each: { status: 'completed', output: [null] },
      }),
    ).toEqual({ terminal: true, status: 'completed', output: { each: [null] } });
  });
});
