/** Reading what a cron trigger fired, straight from the database (the API has no per-second view). */
import type { Client } from 'pg';

/**
 * Per second of `created_at` (the second the leader fired the slot in), how many jobs trigger
 * `source` (`<workspace>/<trigger>`) created in [from, to), oldest first.
 */
export async function triggerJobsPerSecond(
  db: Client,
  source: string,
  from: Date,
  to: Date,
): Promise<{ second: number; n: number }[]> {
  const res = await db.query<{ s: string; n: string }>(
    `SELECT extract(epoch FROM date_trunc('second', created_at))::bigint AS s, count(*) AS n
       FROM job WHERE source_type = 'trigger' AND source_id = $1
        AND created_at >= $2 AND created_at < $3
      GROUP BY 1 ORDER BY 1`,
    [source, from, to],
  );
  return res.rows.map((r) => ({ second: Number(r.s), n: Number(r.n) }));
}
