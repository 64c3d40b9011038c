import type { EntityManager } from 'typeorm';

/**
 * The channel a NOTIFY goes to when a job is cancelled (payload: the job id), as upstream. The
 * cancelled check workers poll reads the job row, so every replica answers it the same way;
 * the notice is for listeners that want to react at once.
 */
export const JOB_CANCELLED_CHANNEL = 'stroem_job_cancelled';

export async function notifyJobCancelled(manager: EntityManager, jobId: string): Promise<void> {
  await manager.query(`SELECT pg_notify($1, $2)`, [JOB_CANCELLED_CHANNEL, jobId]);
}
