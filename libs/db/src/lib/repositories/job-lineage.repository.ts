import type { DataSource } from 'typeorm';
import { JobEntity } from '../entities/job.entity';

/** Lineage far beyond any allowed nesting; stops the walk on a corrupt (cyclic) chain. */
const MAX_WALK = 64;

/**
 * How jobs descend from one another (sub-jobs, hook jobs) and the once-per-job claim of a
 * terminal job's actions.
 */
export class JobLineageRepository {
  constructor(private readonly ds: DataSource) {}

  /**
   * How many jobs lie above this one: a sub-job's parent, a hook job's original job (its
   * `source_id`), and so on up. 0 for a job started by a user, trigger or webhook.
   */
  async nestingDepth(jobId: string): Promise<number> {
    const rows: { depth: number | null }[] = await this.ds.query(
      `WITH RECURSIVE chain(job_id, above, depth) AS (
         SELECT job_id, ${above('')}, 0 FROM job WHERE job_id = $1
         UNION ALL
         SELECT j.job_id, ${above('j.')}, c.depth + 1
           FROM job j JOIN chain c ON j.job_id = c.above
          WHERE c.depth < ${MAX_WALK})
       SELECT max(depth)::int AS depth FROM chain`,
      [jobId],
    );
    return rows[0]?.depth ?? 0;
  }

  /**
   * Claims a job's terminal actions: succeeds once, when the job is terminal and none of its
   * steps still runs (a cancelled job waits for its killed worker steps). Returns the job then.
   * With `archiveLogAfterSecs`, the same UPDATE marks the job's log for archiving that many
   * seconds later (the last log lines of a step may still be on their way).
   */
  async claimTerminalActions(
    jobId: string,
    options: { archiveLogAfterSecs?: number } = {},
  ): Promise<JobEntity | null> {
    const archive = options.archiveLogAfterSecs !== undefined;
    const result = await this.ds.query(
      `UPDATE job SET terminal_actions_at = now(),
                      log_archive_state = CASE WHEN $2 THEN 'pending' ELSE log_archive_state END,
                      log_archive_next_at = CASE WHEN $2 THEN now() + make_interval(secs => $3)
                                                 ELSE log_archive_next_at END
        WHERE job_id = $1 AND terminal_actions_at IS NULL
          AND status IN ('completed', 'failed', 'cancelled', 'skipped')
          AND NOT EXISTS (SELECT 1 FROM job_step s WHERE s.job_id = $1 AND s.status = 'running')
        RETURNING job_id`,
      [jobId, archive, options.archiveLogAfterSecs ?? 0],
    );
    if ((result[0] as unknown[]).length === 0) return null;
    return this.ds.getRepository(JobEntity).findOne({ where: { jobId } });
  }
}

/** The job one level up: the parent of a sub-job, the original job of a hook job. */
function above(t: string): string {
  return `COALESCE(${t}parent_job_id,
    CASE WHEN ${t}source_type = 'hook'
          AND ${t}source_id ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
         THEN ${t}source_id::uuid END)`;
}
