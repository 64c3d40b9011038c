import {
  advanceSequentialLoop,
  baseStepName,
  loopInstanceName,
  loopVerdict,
  parseLoopInstanceName,
  startLoop,
} from './for-each-loop';
import { MAX_FOR_EACH_ITEMS } from '../template/for-each';

describe('for_each loop bookkeeping', () => {
  it('names instances name[i] and maps them back to their step', () => {
    expect(loopInstanceName('process', 3)).toBe('process[3]');
    expect(parseLoopInstanceName('process[3]')).toEqual({ step: 'process', index: 3 });
    expect(parseLoopInstanceName('process')).toBeNull();
    expect(baseStepName('deploy-all[12]')).toBe('deploy-all');
    expect(baseStepName('deploy-all')).toBe('deploy-all');
  });

  it('starts every instance at once for a parallel loop', () => {
    expect(startLoop(['a', 'b', 'c'], false)).toEqual({
      action: 'expand',
      statuses: ['ready', 'ready', 'ready'],
    });
  });

  it('starts only the first instance of a sequential loop', () => {
    expect(startLoop([1, 2, 3], true)).toEqual({
      action: 'expand',
      statuses: ['ready', 'pending', 'pending'],
    });
  });

  it('skips the placeholder when there are no items', () => {
    expect(startLoop([], false)).toEqual({ action: 'skip' });
  });

  it('fails the placeholder above the item limit', () => {
    const items = new Array(MAX_FOR_EACH_ITEMS + 1).fill(0);
    const decision = startLoop(items, false);
    expect(decision).toMatchObject({ action: 'fail' });
    expect(decision.action === 'fail' && decision.error).toMatch(/^for_each expression error: /);
  });

  it('moves a sequential loop to the next instance after a success', () => {
    const advance = advanceSequentialLoop(
      [{ status: 'completed' }, { status: 'pending' }, { status: 'pending' }],
      0,
      false,
    );
    expect(advance).toEqual({ promote: 1, skip: [] });
  });

  it('skips the rest of a sequential loop after a failure', () => {
    const advance = advanceSequentialLoop(
      [{ status: 'completed' }, { status: 'failed' }, { status: 'pending' }, { status: 'pending' }],
      1,
      false,
    );
    expect(advance).toEqual({ promote: null, skip: [2, 3] });
  });

  it('keeps a sequential loop going after a failure with continue_on_failure', () => {
    const advance = advanceSequentialLoop([{ status: 'failed' }, { status: 'pending' }], 0, true);
    expect(advance).toEqual({ promote: 1, skip: [] });
  });

  it('is not done while an instance is still running', () => {
    expect(loopVerdict([{ status: 'completed' }, { status: 'running' }], false)).toEqual({
      done: false,
    });
  });

  it('completes with the instance outputs ordered by index', () => {
    expect(
      loopVerdict(
        [
          { status: 'completed', output: { n: 0 } },
          { status: 'completed', output: 'one' },
          { status: 'completed' },
        ],
        false,
      ),
    ).toEqual({ done: true, status: 'completed', output: [{ n: 0 }, 'one', null] });
  });

  it('fails naming the failed instances', () => {
    expect(
      loopVerdict(
        [{ status: 'failed' }, { status: 'completed', output: 1 }, { status: 'failed' }],
        false,
      ),
    ).toEqual({
      done: true,
      status: 'failed',
      error: 'for_each loop failed: instances [0, 2] failed',
    });
  });

  it('completes with nulls for failed and skipped instances under continue_on_failure', () => {
    expect(
      loopVerdict(
        [{ status: 'failed' }, { status: 'completed', output: 1 }, { status: 'skipped' }],
        true,
      ),
    ).toEqual({ done: true, status: 'completed', output: [null, 1, null] });
  });
});
