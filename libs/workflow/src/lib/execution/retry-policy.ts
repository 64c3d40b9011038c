/**
 * Step retry (reference §2.8, §2.17.4): a failed step runs again while its retry count is below
 * `max_attempts` — so `max_attempts: 3` means up to four runs, as upstream counts it.
 */
import type { RetryConfig } from '../model/workflow.model';

/** Exponential backoff stops doubling after this many retries (delay × 64 at most). */
const MAX_BACKOFF_EXPONENT = 6;

/** The retry policy of a flow step: its own `retry` wins whole over its action's. */
export function effectiveRetry(
  stepRetry: RetryConfig | undefined,
  actionRetry: RetryConfig | undefined,
): RetryConfig | undefined {
  return stepRetry ?? actionRetry;
}

/** Whether a step that failed after `retriesSoFar` retries gets another run. */
export function shouldRetry(retry: RetryConfig | undefined, retriesSoFar: number): boolean {
  return retry !== undefined && retriesSoFar < retry.max_attempts;
}

/**
 * Seconds to wait before the next run. Exponential doubles per earlier retry; jitter adds
 * 0–25 % (never subtracts, as upstream). `random` is injectable for tests.
 */
export function retryDelaySeconds(
  retry: RetryConfig,
  retriesSoFar: number,
  random: () => number = Math.random,
): number {
  const base =
    retry.backoff === 'exponential'
      ? retry.delay * 2 ** Math.min(retriesSoFar, MAX_BACKOFF_EXPONENT)
      : retry.delay;
  return retry.jitter ? base + base * 0.25 * random() : base;
}
