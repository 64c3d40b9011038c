/** Waiting between attempts: the claim loop's error backoff and retries of reports that must arrive. */
import { ServerApiError } from '../server-api/server-connection';

/** Upstream's claim backoff: `poll_interval × {1, 2, 4}` for the 1st, 2nd, 3rd+ failure in a row. */
export function claimBackoffMs(pollIntervalSecs: number, failuresInARow: number): number {
  const factor = [1, 2, 4][Math.min(Math.max(failuresInARow, 1), 3) - 1] ?? 4;
  return pollIntervalSecs * 1000 * factor;
}

/** `baseMs × 2^(attempt-1)`, capped: 1 s, 2 s, 4 s … 60 s for registration. */
export function exponentialBackoffMs(attempt: number, baseMs: number, capMs: number): number {
  return Math.min(capMs, baseMs * 2 ** Math.max(0, attempt - 1));
}

/** Resolves after `ms`, or early (with false) when `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve(false);
    const onAbort = () => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export function isTransient(err: unknown): boolean {
  return err instanceof ServerApiError && err.transient;
}

export interface RetryOptions {
  /** Stops retrying (the last error is thrown) once aborted. */
  giveUp?: AbortSignal;
  baseMs?: number;
  capMs?: number;
  /** Give up after this many attempts (default: never). */
  maxAttempts?: number;
  /** Called before each wait, to log the failure. */
  onRetry?: (err: unknown, attempt: number, waitMs: number) => void;
}

/** Calls `fn` until it succeeds, fails permanently (a 4xx) or `giveUp` aborts. */
export async function retryTransient<T>(
  fn: () => Promise<T>,
  options: RetryOptions = {},
): Promise<T> {
  const baseMs = options.baseMs ?? 250;
  const capMs = options.capMs ?? 10_000;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if (!isTransient(err) || options.giveUp?.aborted) throw err;
      if (options.maxAttempts !== undefined && attempt >= options.maxAttempts) throw err;
      const waitMs = exponentialBackoffMs(attempt, baseMs, capMs);
      options.onRetry?.(err, attempt, waitMs);
      await sleep(waitMs, options.giveUp);
      if (options.giveUp?.aborted) throw err;
    }
  }
}
