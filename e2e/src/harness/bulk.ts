/**
 * Many API calls at once for load tests: a fixed number in flight, results in call order, the
 * first failure stops new calls and is rethrown with the index that failed.
 */

/** Runs `call(0 … count-1)` with at most `inFlight` calls pending at any time. */
export async function runBounded<T>(
  count: number,
  inFlight: number,
  call: (index: number) => Promise<T>,
): Promise<T[]> {
  const results = new Array<T>(count);
  let next = 0;
  let failure: Error | undefined;
  const lane = async () => {
    while (failure === undefined && next < count) {
      const index = next++;
      try {
        results[index] = await call(index);
      } catch (err) {
        failure ??= new Error(`call ${index} of ${count} failed: ${(err as Error).message}`);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(inFlight, count) }, lane));
  if (failure) throw failure;
  return results;
}

/** Events per second over `ms` milliseconds, rounded for a log line. */
export function ratePerSecond(events: number, ms: number): number {
  return Math.round((events * 1000) / Math.max(ms, 1));
}
