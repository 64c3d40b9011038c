import type { EntityManager } from 'typeorm';

/**
 * The channel a forced workspace refresh is announced on (payload: `<replica id>|<workspace>`),
 * so every other replica reloads that workspace at once instead of on its next poll.
 */
export const WORKSPACE_REFRESH_CHANNEL = 'stroem_workspace_refresh';

export async function notifyWorkspaceRefresh(
  manager: EntityManager,
  replicaId: string,
  workspace: string,
): Promise<void> {
  await manager.query(`SELECT pg_notify($1, $2)`, [
    WORKSPACE_REFRESH_CHANNEL,
    `${replicaId}|${workspace}`,
  ]);
}
