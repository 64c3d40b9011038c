import type { EntityManager } from 'typeorm';

/**
 * The channel live job-log chunks are mirrored on, so a replica streaming a job's log hears the
 * lines another replica appended. One payload per piece (each under PostgreSQL's 8000-byte limit).
 */
export const JOB_LOG_CHUNK_CHANNEL = 'stroem_job_log_chunk';

/** One statement, so the pieces of an append are queued (and heard) in order. */
export async function notifyJobLogChunks(
  manager: EntityManager,
  payloads: readonly string[],
): Promise<void> {
  if (payloads.length === 0) return;
  await manager.query(
    `SELECT pg_notify($1, p) FROM unnest($2::text[]) WITH ORDINALITY AS t(p, n) ORDER BY n`,
    [JOB_LOG_CHUNK_CHANNEL, payloads],
  );
}
