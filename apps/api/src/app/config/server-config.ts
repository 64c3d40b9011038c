/** The server's settings (reference Appendix B, the part this server uses so far). */
export interface FolderWorkspaceConfig {
  type: 'folder';
  /** Absolute path. */
  path: string;
  /** Seconds between checks for changed files. */
  poll_interval_secs: number;
}

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
  /** Seconds. */
  default_step_timeout?: number;
  /** Seconds. */
  default_job_timeout?: number;
}

export const SERVER_CONFIG = Symbol('SERVER_CONFIG');
