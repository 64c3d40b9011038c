import type { DataSource } from 'typeorm';

/** One stored state snapshot (a task's or a workspace's global state). */
export interface StateSnapshotRow {
  id: string;
  workspace: string;
  /** The task for task state; for global state the task whose job wrote it (null on upload). */
  taskName: string | null;
  jobId: string | null;
  storageKey: string;
  sizeBytes: number;
  hasJson: boolean;
  createdAt: Date;
}

export interface NewStateSnapshot {
  id: string;
  workspace: string;
  taskName: string | null;
  jobId: string | null;
  storageKey: string;
  sizeBytes: number;
  hasJson: boolean;
}

const TASK_COLUMNS = `id, workspace, task_name AS "taskName", job_id AS "jobId",
  storage_key AS "storageKey", size_bytes::float8 AS "sizeBytes", has_json AS "hasJson",
  created_at AS "createdAt"`;
const GLOBAL_COLUMNS = `id, workspace, written_by_task AS "taskName", job_id AS "jobId",
  storage_key AS "storageKey", size_bytes::float8 AS "sizeBytes", has_json AS "hasJson",
  created_at AS "createdAt"`;

/**
 * `task_state` and `workspace_state`: immutable snapshots, the newest one is the state. Pruning
 * answers the storage keys of the rows it removed, so the caller deletes their blobs.
 */
export class StateSnapshotRepository {
  constructor(private readonly ds: DataSource) {}

  async insertTaskSnapshot(s: NewStateSnapshot): Promise<void> {
    await this.ds.query(
      `INSERT INTO task_state (id, workspace, task_name, job_id, storage_key, size_bytes, has_json)
       VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [s.id, s.workspace, s.taskName, s.jobId, s.storageKey, s.sizeBytes, s.hasJson],
    );
  }

  async latestTaskSnapshot(workspace: string, taskName: string): Promise<StateSnapshotRow | null> {
    const rows: StateSnapshotRow[] = await this.ds.query(
      `SELECT ${TASK_COLUMNS} FROM task_state WHERE workspace = $1 AND task_name = $2
        ORDER BY created_at DESC, id LIMIT 1`,
      [workspace, taskName],
    );
    return rows[0] ?? null;
  }

  /** Keeps the newest `keep` snapshots of the task; answers the storage keys removed. */
  async pruneTaskSnapshots(workspace: string, taskName: string, keep: number): Promise<string[]> {
    const [rows] = (await this.ds.query(
      `DELETE FROM task_state WHERE id IN (
         SELECT id FROM task_state WHERE workspace = $1 AND task_name = $2
          ORDER BY created_at DESC, id OFFSET $3)
       RETURNING storage_key AS "storageKey"`,
      [workspace, taskName, Math.max(1, keep)],
    )) as [{ storageKey: string }[], number];
    return rows.map((r) => r.storageKey);
  }

  async insertGlobalSnapshot(s: NewStateSnapshot): Promise<void> {
    await this.ds.query(
      `INSERT INTO workspace_state
         (id, workspace, written_by_task, job_id, storage_key, size_bytes, has_json)
       VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [s.id, s.workspace, s.taskName, s.jobId, s.storageKey, s.sizeBytes, s.hasJson],
    );
  }

  async latestGlobalSnapshot(workspace: string): Promise<StateSnapshotRow | null> {
    const rows: StateSnapshotRow[] = await this.ds.query(
      `SELECT ${GLOBAL_COLUMNS} FROM workspace_state WHERE workspace = $1
        ORDER BY created_at DESC, id LIMIT 1`,
      [workspace],
    );
    return rows[0] ?? null;
  }

  async pruneGlobalSnapshots(workspace: string, keep: number): Promise<string[]> {
    const [rows] = (await this.ds.query(
      `DELETE FROM workspace_state WHERE id IN (
         SELECT id FROM workspace_state WHERE workspace = $1
          ORDER BY created_at DESC, id OFFSET $2)
       RETURNING storage_key AS "storageKey"`,
      [workspace, Math.max(1, keep)],
    )) as [{ storageKey: string }[], number];
    return rows.map((r) => r.storageKey);
  }
}
