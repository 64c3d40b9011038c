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
  log_storage: {
    local_dir: string;
    /** Where a job's gzipped JSONL goes once the job ends; absent ⇒ logs stay local only. */
    archive?: BlobBackendConfig;
    /** Seconds after a job's end before its log is archived (late lines; default 5). */
    archive_delay_secs?: number;
    /** Seconds between archiver passes; also the first retry delay (default 5). */
    archive_interval_secs?: number;
  };
  /** Task and global state snapshots (reference §1.22); absent ⇒ defaults, local folder. */
  state_storage?: StateStorageConfig;
  /** Step artifacts (reference §1.21); absent ⇒ defaults, local folder. */
  artifact_storage?: ArtifactStorageConfig;
  /** Removal of old workers, jobs and their logs/artifacts by the leader (reference §1.19). */
  retention?: RetentionConfig;
  /** `GET /metrics` (reference §3.5). */
  metrics?: MetricsConfig;
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
  /** User authentication; absent ⇒ every `/api` route is open (as upstream). */
  auth?: AuthConfig;
  /** Task permissions for non-admin users; absent ⇒ every user may run everything. */
  acl?: AclConfig;
  /** HTTP hardening: request size limits and proxy trust; absent ⇒ DEFAULT_HTTP. */
  http?: HttpConfig;
}

export interface AuthProviderConfig {
  provider_type: 'internal' | 'oidc';
  display_name: string;
  /** OIDC: the issuer (discovery at `<issuer_url>/.well-known/openid-configuration`). */
  issuer_url?: string;
  client_id?: string;
  client_secret?: string;
  /** OIDC: scopes besides `openid` (default `email profile`). */
  scopes?: string[];
  /** Groups a user provisioned through this provider starts with. */
  default_groups: string[];
}

export interface AuthConfig {
  /** HS256 key of the access tokens (≥ 32 characters). */
  jwt_secret: string;
  /** Signs the OIDC state cookie (≥ 32 characters). */
  refresh_secret: string;
  /** The public URL (`https://…` ⇒ Secure cookies and HSTS; also the CORS origin). */
  base_url?: string;
  /** Access token lifetime in seconds (default 900). */
  access_token_ttl_secs: number;
  /** Refresh token lifetime in seconds (default 30 days). */
  refresh_token_ttl_secs: number;
  /** Keyed by provider id; empty ⇒ internal (password) login only. */
  providers: Record<string, AuthProviderConfig>;
  /** Seeded (and made admin) at every start. */
  initial_user?: { email: string; password: string };
  /** Per-IP limits (requests per minute). */
  rate_limits: { login_per_min: number; refresh_per_min: number; api_keys_per_min: number };
}

export type AclAction = 'run' | 'view' | 'deny';

export interface AclRule {
  /** Glob over workspace names (`*` any run of characters, `?` one). */
  workspace: string;
  /** Globs over `folder/task` paths (a task without folder is just its id). */
  tasks: string[];
  action: AclAction;
  groups: string[];
  /** E-mail addresses (case-insensitive). */
  users: string[];
}

export interface AclConfig {
  default: AclAction;
  rules: AclRule[];
}

export interface HttpConfig {
  /** Largest `/api` JSON body (bytes, default 2 MiB); larger ⇒ 413. */
  api_max_body_bytes: number;
  /** Largest `/worker` JSON body (bytes, default 10 MiB). */
  worker_max_body_bytes: number;
  /** Express `trust proxy` (client IPs for rate limits from X-Forwarded-For); default false. */
  trust_proxy: boolean | number | string;
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

/** A blob backend: an S3 bucket (any S3-compatible server) or a folder. */
export type BlobBackendConfig =
  | {
      type: 's3';
      bucket: string;
      region: string;
      /** Custom endpoint (MinIO, …); path-style addressing is used with it. */
      endpoint?: string;
      /** Key prefix inside the bucket (e.g. `stroem/`). */
      prefix: string;
      /** Absent ⇒ the AWS default credential chain. */
      access_key_id?: string;
      secret_access_key?: string;
    }
  | { type: 'local'; path: string; prefix: string };

export interface StateStorageConfig {
  /** Key prefix (default `state/`). */
  prefix: string;
  /** Snapshots kept per task (default 5). */
  max_snapshots: number;
  /** Snapshots kept per workspace's global state (default 5). */
  global_max_snapshots: number;
  /** Absent ⇒ a local folder `<data>/state`. */
  archive?: BlobBackendConfig;
}

export interface ArtifactStorageConfig {
  /** Key prefix (default `artifacts/`). */
  prefix: string;
  /** Largest single artifact (default 100 MiB). */
  max_file_bytes: number;
  /** Largest total per job (default 1 GiB). */
  max_job_bytes: number;
  /** Absent ⇒ a local folder `<data>/artifacts`. */
  archive?: BlobBackendConfig;
}

export interface RetentionConfig {
  /** Inactive workers older than this are deleted; absent ⇒ kept. */
  worker_hours?: number;
  /** Terminal jobs older than this are deleted with logs, archives and artifacts; absent ⇒ kept. */
  job_days?: number;
  /** Seconds between passes (default 3600). */
  interval_secs: number;
}

export interface MetricsConfig {
  /** true ⇒ `/metrics` needs no token. Default false (worker token, or `token`). */
  public: boolean;
  /** A separate bearer token for scrapers. */
  token?: string;
}

export const DEFAULT_HTTP: HttpConfig = {
  api_max_body_bytes: 2 * 1024 * 1024,
  worker_max_body_bytes: 10 * 1024 * 1024,
  trust_proxy: false,
};

export const DEFAULT_LOG_ARCHIVE_TIMING = { archive_delay_secs: 5, archive_interval_secs: 5 };

export const DEFAULT_RETENTION_INTERVAL_SECS = 3600;

export const SERVER_CONFIG = Symbol('SERVER_CONFIG');
