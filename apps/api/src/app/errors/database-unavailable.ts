/**
 * Errors that mean "PostgreSQL cannot be reached right now" (down, restarting, the connection
 * cut), as opposed to a bad query: the API answers them with 503 so clients and workers retry.
 */

/** Socket-level codes of node-postgres when the server is not there. */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/** SQLSTATEs: admin_shutdown, crash_shutdown, cannot_connect_now, too_many_connections. */
const SQLSTATES = new Set(['57P01', '57P02', '57P03', '53300']);

/** node-postgres messages for a connection that went away or never came. */
const MESSAGES = [
  /Connection terminated/i,
  /timeout exceeded when trying to connect/i,
  /Client has encountered a connection error and is not queryable/i,
  /Client was closed and is not queryable/i,
  /the database system is (shutting down|starting up|in recovery mode)/i,
];

interface ErrorLike {
  code?: unknown;
  message?: unknown;
  driverError?: unknown;
  cause?: unknown;
}

/** True when `err` (or the driver error TypeORM wraps in it) is a lost or refused connection. */
export function isDatabaseUnavailable(err: unknown, depth = 0): boolean {
  if (typeof err !== 'object' || err === null || depth > 3) return false;
  const e = err as ErrorLike;
  // TypeORM releases a transaction's runner when its connection dies under it; the commit then
  // fails with this instead of the connection error.
  if ((err as Error).name === 'QueryRunnerAlreadyReleasedError') return true;
  const code = typeof e.code === 'string' ? e.code : undefined;
  if (code && (NETWORK_CODES.has(code) || SQLSTATES.has(code) || code.startsWith('08'))) {
    return true;
  }
  if (typeof e.message === 'string' && MESSAGES.some((re) => re.test(e.message as string))) {
    return true;
  }
  return (
    isDatabaseUnavailable(e.driverError, depth + 1) || isDatabaseUnavailable(e.cause, depth + 1)
  );
}

/** The `{error}` text for such a failure. */
export function databaseUnavailableMessage(err: unknown): string {
  const reason = err instanceof Error ? err.message : String(err);
  return `database unavailable (${reason}); the server reconnects on its own, retry shortly`;
}
