/**
 * One config loader: a YAML file (`--config` / `STROEM_CONFIG`, optional) with `STROEM__A__B`
 * environment overrides (`__` separates levels, names lower-cased), validated once at start-up.
 * A bad value throws ConfigError naming the key.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { parseDuration } from '@stroem/workflow';
import { parse as parseYaml } from 'yaml';
import { DEFAULT_EMBEDDED_PORT } from '@stroem/db';
import {
  type AclAction,
  type AclConfig,
  type AclRule,
  type AuthConfig,
  type AuthProviderConfig,
  type ArtifactStorageConfig,
  type BlobBackendConfig,
  DEFAULT_RETENTION_INTERVAL_SECS,
  type HttpConfig,
  type MetricsConfig,
  DEFAULT_HTTP,
  DEFAULT_LEADER_ELECTION,
  DEFAULT_RECOVERY,
  type GitAuthConfig,
  type WorkspaceSourceConfig,
  type LeaderElectionConfig,
  type RecoveryConfig,
  type RetentionConfig,
  type SchedulerConfig,
  type ServerConfig,
  type StateStorageConfig,
} from './server-config';

export class ConfigError extends Error {
  override name = 'ConfigError';
}

type Raw = Record<string, unknown>;

const REPO_ROOT = path.resolve(__dirname, '../../../../..');
const MAX_STEP_TIMEOUT = 24 * 3600;
const MAX_JOB_TIMEOUT = 7 * 24 * 3600;
const ENV_PREFIX = 'STROEM__';

export interface ConfigSources {
  argv: readonly string[];
  env: NodeJS.ProcessEnv;
  cwd: string;
}

function configFileFrom(sources: ConfigSources): string | undefined {
  const i = sources.argv.indexOf('--config');
  if (i >= 0) {
    const value = sources.argv[i + 1];
    if (!value) throw new ConfigError('--config needs a file path');
    return value;
  }
  const eq = sources.argv.find((a) => a.startsWith('--config='));
  return eq ? eq.slice('--config='.length) : sources.env['STROEM_CONFIG'] || undefined;
}

function readConfigFile(file: string, cwd: string): Raw {
  let text: string;
  try {
    text = readFileSync(path.resolve(cwd, file), 'utf8');
  } catch (err) {
    throw new ConfigError(`config file ${file}: ${(err as Error).message}`);
  }
  let value: unknown;
  try {
    value = parseYaml(text);
  } catch (err) {
    throw new ConfigError(`config file ${file}: invalid YAML: ${(err as Error).message}`);
  }
  if (value === null || value === undefined) return {};
  if (!isObject(value)) throw new ConfigError(`config file ${file}: must be a mapping`);
  return value;
}

function isObject(value: unknown): value is Raw {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `STROEM__WORKSPACES__DEFAULT__PATH=/x` ⇒ `workspaces.default.path = '/x'`. */
function applyEnvOverrides(raw: Raw, env: NodeJS.ProcessEnv): void {
  for (const [name, value] of Object.entries(env)) {
    if (!name.startsWith(ENV_PREFIX) || value === undefined) continue;
    const keys = name.slice(ENV_PREFIX.length).toLowerCase().split('__').filter(Boolean);
    if (keys.length === 0) continue;
    let node = raw;
    for (const key of keys.slice(0, -1)) {
      if (!isObject(node[key])) node[key] = {};
      node = node[key] as Raw;
    }
    node[keys[keys.length - 1]] = value;
  }
}

class Reader {
  constructor(private readonly raw: Raw) {}

  get(keyPath: string): unknown {
    let node: unknown = this.raw;
    for (const key of keyPath.split('.'))
      node = isObject(node) ? node[key] : Array.isArray(node) ? node[Number(key)] : undefined;
    return node;
  }

  string(keyPath: string): string | undefined {
    const value = this.get(keyPath);
    if (value === undefined || value === null || value === '') return undefined;
    if (typeof value !== 'string' && typeof value !== 'number')
      throw new ConfigError(`${keyPath}: expected a string`);
    return String(value);
  }

  integer(keyPath: string, min: number, max: number): number | undefined {
    const value = this.string(keyPath);
    if (value === undefined) return undefined;
    const n = Number(value);
    if (!Number.isInteger(n) || n < min || n > max)
      throw new ConfigError(
        `${keyPath}: expected an integer from ${min} to ${max}, got '${value}'`,
      );
    return n;
  }

  duration(keyPath: string, max: number): number | undefined {
    const value = this.get(keyPath);
    if (value === undefined || value === null || value === '') return undefined;
    const asNumber = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
    const parsed = parseDuration(asNumber);
    if ('error' in parsed) throw new ConfigError(`${keyPath}: ${parsed.error}`);
    if (parsed.seconds <= 0 || parsed.seconds > max)
      throw new ConfigError(`${keyPath}: must be between 1s and ${max}s`);
    return parsed.seconds;
  }
}

function parseListen(value: string): { host: string; port: number } {
  const m = /^(.*):(\d+)$/.exec(value);
  const port = m ? Number(m[2]) : NaN;
  if (!m || port > 65535) throw new ConfigError(`listen: expected host:port, got '${value}'`);
  return { host: m[1].replace(/^\[(.*)\]$/, '$1') || '0.0.0.0', port };
}

function readAuth(reader: Reader, key: string): GitAuthConfig | undefined {
  const type = reader.string(`${key}.type`);
  if (type === undefined) return undefined;
  if (type !== 'token' && type !== 'ssh_key')
    throw new ConfigError(`${key}.type: expected 'token' or 'ssh_key', got '${type}'`);
  const auth: GitAuthConfig = {
    type,
    token: reader.string(`${key}.token`),
    key: reader.string(`${key}.key`),
    key_path: reader.string(`${key}.key_path`),
    username: reader.string(`${key}.username`),
  };
  if (type === 'token' && !auth.token)
    throw new ConfigError(`${key}.token: required for token auth`);
  if (type === 'ssh_key' && !auth.key && !auth.key_path)
    throw new ConfigError(`${key}: ssh_key auth needs 'key' or 'key_path'`);
  return auth;
}

/** One `workspaces.<name>` / `libraries.<name>` entry: a folder or a git repository. */
function readSource(reader: Reader, key: string, cwd: string): WorkspaceSourceConfig {
  const type = reader.string(`${key}.type`) ?? 'folder';
  if (type === 'git') {
    const url = reader.string(`${key}.url`);
    if (!url) throw new ConfigError(`${key}.url: required for a git source`);
    const authKey = `${key}.auth`;
    let auth = readAuth(reader, authKey);
    const named = typeof reader.get(authKey) === 'string' ? reader.string(authKey) : undefined;
    if (named !== undefined) {
      auth = readAuth(reader, `git_auth.${named}`);
      if (!auth) throw new ConfigError(`${authKey}: no git_auth entry named '${named}'`);
    }
    return {
      type: 'git',
      url,
      ref: reader.string(`${key}.ref`) ?? 'main',
      poll_interval_secs: reader.integer(`${key}.poll_interval_secs`, 1, 86400) ?? 60,
      auth,
    };
  }
  if (type !== 'folder')
    throw new ConfigError(`${key}.type: expected 'folder' or 'git', got '${type}'`);
  const dir = reader.string(`${key}.path`);
  if (!dir) throw new ConfigError(`${key}.path: required for a folder source`);
  return {
    type: 'folder',
    path: path.resolve(cwd, dir),
    poll_interval_secs: reader.integer(`${key}.poll_interval_secs`, 1, 86400) ?? 30,
  };
}

function readSources(
  reader: Reader,
  section: 'workspaces' | 'libraries',
  cwd: string,
): Record<string, WorkspaceSourceConfig> {
  const value = reader.get(section);
  if (!isObject(value)) throw new ConfigError(`${section}: expected a mapping of name → source`);
  const out: Record<string, WorkspaceSourceConfig> = {};
  for (const name of Object.keys(value)) {
    const key = `${section}.${name}`;
    const pattern = section === 'libraries' ? /^[A-Za-z0-9_-]+$/ : /^[A-Za-z0-9_.-]+$/;
    if (!pattern.test(name)) throw new ConfigError(`${key}: invalid ${section} name`);
    out[name] = readSource(reader, key, cwd);
  }
  return out;
}

function readWorkspaces(reader: Reader, cwd: string): Record<string, WorkspaceSourceConfig> {
  const section = reader.get('workspaces');
  if (section === undefined || section === null) {
    return {
      default: {
        type: 'folder',
        path: path.join(REPO_ROOT, 'examples/default'),
        poll_interval_secs: 30,
      },
    };
  }
  return readSources(reader, 'workspaces', cwd);
}

function readLibraries(reader: Reader, cwd: string): Record<string, WorkspaceSourceConfig> {
  const section = reader.get('libraries');
  if (section === undefined || section === null || section === '') return {};
  return readSources(reader, 'libraries', cwd);
}

function readLeaderElection(reader: Reader): LeaderElectionConfig {
  const raw = reader.get('leader_election.enabled');
  const enabled = raw === undefined || raw === null || raw === '' ? undefined : String(raw);
  if (enabled !== undefined && enabled !== 'true' && enabled !== 'false')
    throw new ConfigError(`leader_election.enabled: expected true or false, got '${enabled}'`);
  return {
    enabled: enabled === undefined ? DEFAULT_LEADER_ELECTION.enabled : enabled === 'true',
    retry_interval_secs:
      reader.integer('leader_election.retry_interval_secs', 1, 3600) ??
      DEFAULT_LEADER_ELECTION.retry_interval_secs,
  };
}

function readScheduler(reader: Reader): SchedulerConfig {
  const catchUp = reader.string('scheduler.catch_up') ?? 'none';
  if (catchUp !== 'none' && catchUp !== 'last')
    throw new ConfigError(`scheduler.catch_up: expected 'none' or 'last', got '${catchUp}'`);
  return { catch_up: catchUp };
}

function readRecovery(reader: Reader): RecoveryConfig {
  const day = 86400;
  return {
    heartbeat_timeout_secs:
      reader.integer('recovery.heartbeat_timeout_secs', 10, day) ??
      DEFAULT_RECOVERY.heartbeat_timeout_secs,
    sweep_interval_secs:
      reader.integer('recovery.sweep_interval_secs', 5, day) ??
      DEFAULT_RECOVERY.sweep_interval_secs,
    unmatched_step_timeout_secs:
      reader.integer('recovery.unmatched_step_timeout_secs', 5, day) ??
      DEFAULT_RECOVERY.unmatched_step_timeout_secs,
  };
}

const SECRET_MIN = 32;
const ACL_ACTIONS: readonly AclAction[] = ['run', 'view', 'deny'];
const GROUP_NAME = /^[A-Za-z0-9_-]{1,64}$/;

function stringList(reader: Reader, keyPath: string): string[] {
  const value = reader.get(keyPath);
  if (value === undefined || value === null || value === '') return [];
  const items = typeof value === 'string' ? value.split(',') : value;
  if (!Array.isArray(items)) throw new ConfigError(`${keyPath}: expected a list of strings`);
  return items.map((item, i) => {
    if (typeof item !== 'string' || item.trim() === '')
      throw new ConfigError(`${keyPath}[${i}]: expected a non-empty string`);
    return item.trim();
  });
}

function secret(reader: Reader, keyPath: string): string {
  const value = reader.string(keyPath);
  if (value === undefined) throw new ConfigError(`${keyPath}: required when auth is configured`);
  if (value.length < SECRET_MIN)
    throw new ConfigError(`${keyPath}: must be at least ${SECRET_MIN} characters`);
  return value;
}

function readProvider(reader: Reader, key: string): AuthProviderConfig {
  const type = reader.string(`${key}.provider_type`) ?? reader.string(`${key}.type`) ?? 'internal';
  if (type !== 'internal' && type !== 'oidc')
    throw new ConfigError(`${key}.provider_type: expected 'internal' or 'oidc', got '${type}'`);
  const provider: AuthProviderConfig = {
    provider_type: type,
    display_name: reader.string(`${key}.display_name`) ?? key.split('.').pop() ?? 'SSO',
    default_groups: stringList(reader, `${key}.default_groups`),
  };
  for (const group of provider.default_groups)
    if (!GROUP_NAME.test(group))
      throw new ConfigError(`${key}.default_groups: invalid group name '${group}'`);
  if (type === 'oidc') {
    for (const field of ['issuer_url', 'client_id', 'client_secret'] as const) {
      const value = reader.string(`${key}.${field}`);
      if (!value) throw new ConfigError(`${key}.${field}: required for an oidc provider`);
      provider[field] = value;
    }
    if (!/^https?:\/\//.test(provider.issuer_url ?? ''))
      throw new ConfigError(`${key}.issuer_url: expected an http(s) URL`);
    const scopes = stringList(reader, `${key}.scopes`);
    provider.scopes = scopes.length > 0 ? scopes : ['email', 'profile'];
  }
  return provider;
}

function readAuthSection(reader: Reader): AuthConfig | undefined {
  const section = reader.get('auth');
  if (section === undefined || section === null || section === '') return undefined;
  if (!isObject(section)) throw new ConfigError('auth: expected a mapping');
  const baseUrl = reader.string('auth.base_url')?.replace(/\/+$/, '');
  if (baseUrl !== undefined && !/^https?:\/\/[^/]+/.test(baseUrl))
    throw new ConfigError(`auth.base_url: expected an http(s) URL, got '${baseUrl}'`);
  const providers: Record<string, AuthProviderConfig> = {};
  const rawProviders = reader.get('auth.providers');
  if (rawProviders !== undefined && rawProviders !== null) {
    if (!isObject(rawProviders)) throw new ConfigError('auth.providers: expected a mapping');
    for (const id of Object.keys(rawProviders)) {
      if (!/^[A-Za-z0-9_-]+$/.test(id))
        throw new ConfigError(`auth.providers.${id}: invalid provider id`);
      providers[id] = readProvider(reader, `auth.providers.${id}`);
    }
  }
  let initialUser: AuthConfig['initial_user'];
  const email = reader.string('auth.initial_user.email');
  if (email !== undefined) {
    const password = reader.string('auth.initial_user.password');
    if (!password) throw new ConfigError('auth.initial_user.password: required with an email');
    if (!email.includes('@'))
      throw new ConfigError('auth.initial_user.email: not an e-mail address');
    initialUser = { email, password };
  }
  return {
    jwt_secret: secret(reader, 'auth.jwt_secret'),
    refresh_secret: secret(reader, 'auth.refresh_secret'),
    base_url: baseUrl,
    access_token_ttl_secs: reader.integer('auth.access_token_ttl_secs', 10, 86400) ?? 900,
    refresh_token_ttl_secs:
      reader.integer('auth.refresh_token_ttl_secs', 60, 365 * 86400) ?? 30 * 86400,
    providers,
    initial_user: initialUser,
    rate_limits: {
      login_per_min: reader.integer('auth.rate_limits.login_per_min', 1, 100000) ?? 20,
      refresh_per_min: reader.integer('auth.rate_limits.refresh_per_min', 1, 100000) ?? 30,
      api_keys_per_min: reader.integer('auth.rate_limits.api_keys_per_min', 1, 100000) ?? 60,
    },
  };
}

function aclAction(reader: Reader, keyPath: string, fallback?: AclAction): AclAction {
  const value = reader.string(keyPath) ?? fallback;
  if (value === undefined) throw new ConfigError(`${keyPath}: required (run, view or deny)`);
  if (!(ACL_ACTIONS as readonly string[]).includes(value))
    throw new ConfigError(`${keyPath}: expected run, view or deny, got '${value}'`);
  return value as AclAction;
}

function readAcl(reader: Reader): AclConfig | undefined {
  const section = reader.get('acl');
  if (section === undefined || section === null || section === '') return undefined;
  if (!isObject(section)) throw new ConfigError('acl: expected a mapping');
  const rawRules = reader.get('acl.rules') ?? [];
  if (!Array.isArray(rawRules)) throw new ConfigError('acl.rules: expected a list');
  const rules: AclRule[] = rawRules.map((_, i) => {
    const key = `acl.rules.${i}`;
    const rule: AclRule = {
      workspace: reader.string(`${key}.workspace`) ?? '*',
      tasks: stringList(reader, `${key}.tasks`),
      action: aclAction(reader, `${key}.action`),
      groups: stringList(reader, `${key}.groups`),
      users: stringList(reader, `${key}.users`).map((u) => u.toLowerCase()),
    };
    if (rule.tasks.length === 0) rule.tasks = ['*'];
    if (rule.groups.length === 0 && rule.users.length === 0)
      throw new ConfigError(`${key}: needs 'groups' or 'users'`);
    return rule;
  });
  return { default: aclAction(reader, 'acl.default', 'deny'), rules };
}

/** A blob backend (`type: s3 | local`) at `key`; undefined when the section is absent. */
function readBlobBackend(
  reader: Reader,
  key: string,
  cwd: string,
  defaultType?: 's3',
): BlobBackendConfig | undefined {
  const section = reader.get(key);
  if (section === undefined || section === null || section === '') return undefined;
  if (!isObject(section)) throw new ConfigError(`${key}: expected a mapping`);
  const type = reader.string(`${key}.type`) ?? defaultType;
  const prefix = reader.string(`${key}.prefix`) ?? '';
  if (prefix.startsWith('/') || prefix.split('/').includes('..'))
    throw new ConfigError(`${key}.prefix: must be relative, without '..'`);
  if (type === 'local') {
    const dir = reader.string(`${key}.path`);
    if (!dir) throw new ConfigError(`${key}.path: required for a local archive`);
    return { type, path: path.resolve(cwd, dir), prefix };
  }
  if (type !== 's3')
    throw new ConfigError(`${key}.type: expected 's3' or 'local', got '${type ?? ''}'`);
  const bucket = reader.string(`${key}.bucket`);
  if (!bucket) throw new ConfigError(`${key}.bucket: required for an s3 archive`);
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket))
    throw new ConfigError(`${key}.bucket: '${bucket}' is not a valid S3 bucket name`);
  const endpoint = reader.string(`${key}.endpoint`);
  if (endpoint !== undefined && !/^https?:\/\/[^/]+/.test(endpoint))
    throw new ConfigError(`${key}.endpoint: expected an http(s) URL, got '${endpoint}'`);
  const accessKeyId = reader.string(`${key}.access_key_id`);
  const secretAccessKey = reader.string(`${key}.secret_access_key`);
  if ((accessKeyId === undefined) !== (secretAccessKey === undefined))
    throw new ConfigError(`${key}: set both access_key_id and secret_access_key, or neither`);
  return {
    type: 's3',
    bucket,
    region: reader.string(`${key}.region`) ?? 'us-east-1',
    endpoint,
    prefix,
    access_key_id: accessKeyId,
    secret_access_key: secretAccessKey,
  };
}

function readLogStorage(reader: Reader, cwd: string): ServerConfig['log_storage'] {
  let archive = readBlobBackend(reader, 'log_storage.archive', cwd);
  // Upstream's legacy `log_storage.s3` section (no `type`) is an S3 archive.
  const legacy = readBlobBackend(reader, 'log_storage.s3', cwd, 's3');
  if (archive && legacy)
    throw new ConfigError('log_storage: set archive or the legacy s3 section, not both');
  archive ??= legacy;
  return {
    local_dir: path.resolve(cwd, reader.string('log_storage.local_dir') ?? '.data/logs'),
    archive,
    archive_delay_secs: reader.integer('log_storage.archive_delay_secs', 0, 3600),
    archive_interval_secs: reader.integer('log_storage.archive_interval_secs', 1, 3600),
  };
}

function hasSection(reader: Reader, key: string): boolean {
  const section = reader.get(key);
  if (section === undefined || section === null || section === '') return false;
  if (!isObject(section)) throw new ConfigError(`${key}: expected a mapping`);
  return true;
}

function readStateStorage(reader: Reader, cwd: string): StateStorageConfig | undefined {
  if (!hasSection(reader, 'state_storage')) return undefined;
  return {
    prefix: reader.string('state_storage.prefix') ?? 'state/',
    max_snapshots: reader.integer('state_storage.max_snapshots', 1, 10000) ?? 5,
    global_max_snapshots: reader.integer('state_storage.global_max_snapshots', 1, 10000) ?? 5,
    archive: readBlobBackend(reader, 'state_storage.archive', cwd),
  };
}

function readArtifactStorage(reader: Reader, cwd: string): ArtifactStorageConfig | undefined {
  if (!hasSection(reader, 'artifact_storage')) return undefined;
  const tib = 1024 ** 4;
  return {
    prefix: reader.string('artifact_storage.prefix') ?? 'artifacts/',
    max_file_bytes: reader.integer('artifact_storage.max_file_bytes', 1, tib) ?? 100 * 1024 ** 2,
    max_job_bytes: reader.integer('artifact_storage.max_job_bytes', 1, tib) ?? 1024 ** 3,
    archive: readBlobBackend(reader, 'artifact_storage.archive', cwd),
  };
}

function readRetention(reader: Reader): RetentionConfig | undefined {
  if (!hasSection(reader, 'retention')) return undefined;
  return {
    worker_hours: reader.integer('retention.worker_hours', 1, 100 * 365 * 24),
    job_days: reader.integer('retention.job_days', 1, 100 * 365),
    interval_secs:
      reader.integer('retention.interval_secs', 1, 7 * 86400) ?? DEFAULT_RETENTION_INTERVAL_SECS,
  };
}

/** `metrics.public` (default false) and `metrics.token`; absent section ⇒ undefined. */
function readMetrics(reader: Reader): MetricsConfig | undefined {
  const value = reader.get('metrics.public');
  const rawPublic =
    value === undefined || value === null || value === '' ? undefined : String(value);
  const token = reader.string('metrics.token');
  if (rawPublic === undefined && token === undefined) return undefined;
  if (rawPublic !== undefined && rawPublic !== 'true' && rawPublic !== 'false')
    throw new ConfigError(`metrics.public: expected true or false, got '${rawPublic}'`);
  return { public: rawPublic === 'true', ...(token !== undefined ? { token } : {}) };
}

function readHttp(reader: Reader): HttpConfig {
  const trust = reader.string('http.trust_proxy');
  let trustProxy: HttpConfig['trust_proxy'] = false;
  if (trust === 'true') trustProxy = true;
  else if (trust !== undefined && /^\d+$/.test(trust)) trustProxy = Number(trust);
  else if (trust !== undefined && trust !== 'false') trustProxy = trust;
  return {
    api_max_body_bytes:
      reader.integer('http.api_max_body_bytes', 1024, 1024 ** 3) ?? DEFAULT_HTTP.api_max_body_bytes,
    worker_max_body_bytes:
      reader.integer('http.worker_max_body_bytes', 1024, 1024 ** 3) ??
      DEFAULT_HTTP.worker_max_body_bytes,
    trust_proxy: trustProxy,
  };
}

export function loadServerConfig(sources: ConfigSources): ServerConfig {
  const file = configFileFrom(sources);
  const raw = file ? readConfigFile(file, sources.cwd) : {};
  applyEnvOverrides(raw, sources.env);
  const reader = new Reader(raw);

  const workerToken = reader.string('worker_token');
  if (workerToken !== undefined && workerToken.length < 32)
    throw new ConfigError('worker_token: must be at least 32 characters');

  const auth = readAuthSection(reader);
  // With users and secrets behind a login, an open worker API would hand both to anyone.
  if (auth && workerToken === undefined)
    throw new ConfigError('worker_token: required when auth is configured');

  return {
    listen: parseListen(reader.string('listen') ?? '0.0.0.0:8080'),
    db: {
      url: reader.string('db.url') ?? (sources.env['DATABASE_URL'] || undefined),
      embedded: {
        data_dir: path.resolve(sources.cwd, reader.string('db.embedded.data_dir') ?? '.data/pg'),
        port: reader.integer('db.embedded.port', 1, 65535) ?? DEFAULT_EMBEDDED_PORT,
      },
    },
    workspaces: readWorkspaces(reader, sources.cwd),
    libraries: readLibraries(reader, sources.cwd),
    workspace_cache_dir: path.resolve(
      sources.cwd,
      reader.string('workspace_cache_dir') ?? '.data/workspaces',
    ),
    worker_token: workerToken,
    log_storage: readLogStorage(reader, sources.cwd),
    state_storage: readStateStorage(reader, sources.cwd),
    artifact_storage: readArtifactStorage(reader, sources.cwd),
    retention: readRetention(reader),
    recovery: readRecovery(reader),
    leader_election: readLeaderElection(reader),
    scheduler: readScheduler(reader),
    default_step_timeout: reader.duration('default_step_timeout', MAX_STEP_TIMEOUT),
    default_job_timeout: reader.duration('default_job_timeout', MAX_JOB_TIMEOUT),
    webhooks: {
      max_body_bytes: reader.integer('webhooks.max_body_bytes', 1, 1024 ** 3) ?? 1024 * 1024,
    },
    event_sources: {
      reconcile_interval_secs:
        reader.integer('event_sources.reconcile_interval_secs', 1, 86400) ?? 30,
    },
    auth,
    acl: readAcl(reader),
    http: readHttp(reader),
    metrics: readMetrics(reader),
  };
}
