/** The server's settings (reference Appendix B, the part this server uses so far). */
export interface FolderWorkspaceConfig {
  type: 'folder';
  /** Absolute path. */
  path: string;
  /** Seconds between checks for changed files. */
  poll_interval_secs: number;
}

/** How the server authenticates to a git remote (never written to disk except an SSH key file, 0600). */
export interface GitAuthConfig {
  type: 'token' | 'ssh_key';
  token?: string;
  /** Inline private key (ssh_key). */
  key?: string;
  /** Path of a private key file (ssh_key). */
  key_path?: string;
  /** Token auth user name (default `x-access-token`). */
  username?: string;
}

export interface GitWorkspaceConfig {
  type: 'git';
  url: string;
  /** Branch or tag (default `main`). */
  ref: string;
  /** Seconds between remote peeks (default 60). */
  poll_interval_secs: number;
  auth?: GitAuthConfig;
}

export type WorkspaceSourceConfig = FolderWorkspaceConfig | GitWorkspaceConfig;

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
  workspaces: Record<string, WorkspaceSourceConfig>;
  /** Merged into every workspace with a `<name>.` prefix (reference §1.11). */
  libraries?: Record<string, WorkspaceSourceConfig>;
  /** Where git sources are cloned and checked out (default `.data/workspaces`). */
  workspace_cache_dir?: string;
  /** Absent ⇒ the worker API is open (a warning is logged at start-up). */
  worker_token?: string;
  log_storage: { local_dir: string };
  /** The recovery sweep (reference §2.17.11); seconds. */
  recovery: RecoveryConfig;
  /** Advisory-lock leader election (reference §1.18); absent ⇒ enabled, retry every 5 s. */
  leader_election?: LeaderElectionConfig;
  /** The cron scheduler (reference §2.17.13); absent ⇒ `catch_up: none`. */
  scheduler?: SchedulerConfig;
  /** Seconds. */
  default_step_timeout?: number;
  /** Seconds. */
  default_job_timeout?: number;
  /** `/hooks` settings; absent ⇒ defaults (1 MiB bodies). */
  webhooks?: WebhooksConfig;
  /** Event-source consumers; absent ⇒ defaults (reconcile every 30 s). */
  event_sources?: EventSourcesConfig;
}

export interface WebhooksConfig {
  /** Largest accepted `/hooks/{name}` request body (bytes, default 1 MiB); larger ⇒ 413. */
  max_body_bytes: number;
}

export interface EventSourcesConfig {
  /** Seconds between reconcile passes on the leader (default 30). */
  reconcile_interval_secs: number;
}

export interface LeaderElectionConfig {
  /** false ⇒ this replica always leads (one replica only). Default true. */
  enabled: boolean;
  /** Seconds between lock attempts while following, and between leader connection checks. */
  retry_interval_secs: number;
}

export const DEFAULT_LEADER_ELECTION: LeaderElectionConfig = {
  enabled: true,
  retry_interval_secs: 5,
};

export interface SchedulerConfig {
  /** Runs missed while no leader was up: `none` (upstream) or `last` (the latest one, once). */
  catch_up: 'none' | 'last';
}

export const SERVER_CONFIG = Symbol('SERVER_CONFIG');
