/** The server's settings (reference Appendix B, the part this server uses so far). */
export interface FolderWorkspaceConfig {
  type: 'folder';
  /** Absolute path. */
  path: string;
  /** Seconds between checks for changed files. */
  poll_interval_secs: number;
}

export interface RecoveryConfig {
  /** A worker silent for longer is inactive and its running steps fail (≥ 10, default 120). */
  heartbeat_timeout_secs: number;
  /** How often the sweep runs (≥ 5, default 60). */
  sweep_interval_secs: number;
  /** A ready step no active worker can run fails after this long (≥ 5, default 30). */
  unmatched_step_timeout_secs: number;
}

export const DEFAULT_RECOVERY: RecoveryConfig = {
  heartbeat_timeout_secs: 120,
  sweep_interval_secs: 60,
  unmatched_step_timeout_secs: 30,
};

export interface ServerConfig {
  listen: { host: string; port: number };
  db: {
    /** Absent ⇒ the embedded PostgreSQL below. */
    url?: string;
    embedded: { data_dir: string; port: number };
  };
  workspaces: Record<string, FolderWorkspaceConfig>;
  /** Absent ⇒ the worker API is open (a warning is logged at start-up). */
  worker_token?: string;
  log_storage: { local_dir: string };
  /** The recovery sweep (reference §2.17.11); seconds. */
  recovery: RecoveryConfig;
  /** Seconds. */
  default_step_timeout?: number;
  /** Seconds. */
  default_job_timeout?: number;
}

export const SERVER_CONFIG = Symbol('SERVER_CONFIG');
