import type { RetryConfig } from '../model/workflow.model';
import { effectiveRetry, retryDelaySeconds, shouldRetry } from './retry-policy';

const fixed: RetryConfig = { max_attempts: 3, delay: 30, backoff: 'fixed', jitter: false };
const exponential: RetryConfig = { ...fixed, backoff: 'exponential', delay: 10 };

describe('retry policy', () => {
  it('counts max_attempts as retries after the first run, as upstream does', () => {
    expect([0, 1, 2, 3].map((n) => shouldRetry(fixed, n))).toEqual([true, true, true, false]);
  });

  it('never retries a step without a retry policy', () => {
    expect(shouldRetry(undefined, 0)).toBe(false);
  });

  it("lets the step's policy replace the action's whole", () => {
    expect(effectiveRetry(exponential, fixed)).toBe(exponential);
    expect(effectiveRetry(undefined, fixed)).toBe(fixed);
  });

  it('waits the same delay each time with fixed backoff', () => {
    expect([0, 1, 5].map((n) => retryDelaySeconds(fixed, n))).toEqual([30, 30, 30]);
  });

  it('doubles the delay per earlier retry with exponential backoff, up to 64 times', () => {
    expect([0, 1, 2, 6, 9].map((n) => retryDelaySeconds(exponential, n))).toEqual([
      10, 20, 40, 640, 640,
    ]);
  });

  it('adds up to a quarter on top with jitter, never less than the delay', () => {
    const jittered = { ...fixed, jitter: true };
    expect(retryDelaySeconds(jittered, 0, () => 0)).toBe(30);
    expect(retryDelaySeconds(jittered, 0, () => 1)).toBe(37.5);
  });
});
