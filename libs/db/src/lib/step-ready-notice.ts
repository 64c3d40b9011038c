import type { EntityManager } from 'typeorm';

/** The channel a NOTIFY goes to whenever steps become ready; parked claims LISTEN on it. */
export const STEP_READY_CHANNEL = 'stroem_step_ready';

/** Sent inside the caller's transaction, so listeners hear it only once the steps are visible. */
export async function notifyStepReady(manager: EntityManager, jobId: string): Promise<void> {
  await manager.query(`SELECT pg_notify($1, $2)`, [STEP_READY_CHANNEL, jobId]);
}
