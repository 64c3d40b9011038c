/**
 * The worker's configuration (reference §3.4 "Worker config"): a YAML file (`--config` or
 * `STROEM_WORKER_CONFIG`) overridden by `STROEM__<KEY>` variables (`__` nests). Unknown keys are
 * rejected like upstream's `deny_unknown_fields`; a bad value stops the worker with one line that
 * names the key and where it came from.
 */
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { didYouMean } from '@stroem/workflow';
import { parse as parseYaml } from 'yaml';

/** The longest wait the server accepts in a claim (`wait_secs`). */
export const MAX_CLAIM_WAIT_SECS = 30;

export const KNOWN_CAPABILITIES = ['script', 'docker', 'kubernetes', 'agent'] as const;

export interface WorkerConfig {
  serverUrl: string;
  workerToken?: string;
  workerName: string;
  maxConcurrent: number;
  /** Error backoff base: a failing claim waits `poll_interval × {1,2,4}`. */
  pollIntervalSecs: number;
  /** Our extension: how long the server may park a claim (`wait_secs` in the claim body). */
  claimWaitSecs: number;
  workspaceCacheDir: string;
  capabilities: string[];
  tags: string[];
  exclusive: boolean;
  maxRetainedRevisions: number;
  requestTimeoutSecs: number;
  connectTimeoutSecs: number;
  /** Our extension: on SIGINT/SIGTERM, how long running steps may finish before being killed. */
  drainTimeoutSecs: number;
  /**
   * Our extension: seconds between heartbeats (upstream: a fixed 30). Keep it well under the
   * server's `recovery.heartbeat_timeout_secs`, or the server fails the worker's running steps.
   */
  heartbeatIntervalSecs: number;
  /** The image `script` steps run in with `runner: docker` / `runner: pod`. */
  runnerImage: string;
  docker: DockerWorkerConfig;
  kubernetes: KubernetesWorkerConfig;
}

/** `docker:` — used when the worker has the `docker` capability. */
export interface DockerWorkerConfig {
  /** `unix:///…` or `tcp://…`; default `DOCKER_HOST`, else `/var/run/docker.sock`. */
  host?: string;
  pullPolicy: 'always' | 'if_not_present' | 'never';
  /** The containers' network mode (`bridge`, `host`, `none`, a network name). */
  network?: string;
  /** A host folder of `*.sh` files mounted into `runner: docker` script containers. */
  startupDir?: string;
}

/** `kubernetes:` — used when the worker has the `kubernetes` capability. */
export interface KubernetesWorkerConfig {
  namespace: string;
  /** The init container that fetches the workspace tarball into the pod. */
  initImage: string;
  runnerStartupConfigmap?: string;
  serviceAccount?: string;
  /** A kubeconfig file; default: in-cluster, else `~/.kube/config`. */
  kubeconfig?: string;
  /** The server URL pods fetch the workspace from; default `server_url`. */
  serverUrl?: string;
  pendingTimeoutSecs: number;
  imagePullPolicy?: 'Always' | 'IfNotPresent' | 'Never';
}

export const DEFAULT_RUNNER_IMAGE = 'ghcr.io/fremvaerk/stroem-runner:latest';
export const DEFAULT_INIT_IMAGE = 'curlimages/curl:latest';

/** A configuration problem; `message` is the one line shown to the operator. */
export class WorkerConfigError extends Error {}

type KeyKind =
  | 'string'
  | 'url'
  | 'docker-host'
  | 'token'
  | 'positive-int'
  | 'non-negative-int'
  | 'bool'
  | 'list'
  | readonly string[];

interface KeySpec {
  /** Where the value goes: a field, or a section and its field. */
  field: string;
  section?: 'docker' | 'kubernetes';
  kind: KeyKind;
}

const KEYS: Record<string, KeySpec> = {
  server_url: { field: 'serverUrl', kind: 'url' },
  worker_token: { field: 'workerToken', kind: 'token' },
  worker_name: { field: 'workerName', kind: 'string' },
  max_concurrent: { field: 'maxConcurrent', kind: 'positive-int' },
  poll_interval_secs: { field: 'pollIntervalSecs', kind: 'positive-int' },
  claim_wait_secs: { field: 'claimWaitSecs', kind: 'non-negative-int' },
  workspace_cache_dir: { field: 'workspaceCacheDir', kind: 'string' },
  workspace_dir: { field: 'workspaceCacheDir', kind: 'string' },
  capabilities: { field: 'capabilities', kind: 'list' },
  tags: { field: 'tags', kind: 'list' },
  exclusive: { field: 'exclusive', kind: 'bool' },
  max_retained_revisions: { field: 'maxRetainedRevisions', kind: 'positive-int' },
  request_timeout_secs: { field: 'requestTimeoutSecs', kind: 'positive-int' },
  connect_timeout_secs: { field: 'connectTimeoutSecs', kind: 'positive-int' },
  drain_timeout_secs: { field: 'drainTimeoutSecs', kind: 'non-negative-int' },
  heartbeat_interval_secs: { field: 'heartbeatIntervalSecs', kind: 'positive-int' },
  runner_image: { field: 'runnerImage', kind: 'string' },
};

/** The keys of the `docker:` and `kubernetes:` sections (`STROEM__DOCKER__HOST` and so on). */
const SECTION_KEYS: Record<'docker' | 'kubernetes', Record<string, KeySpec>> = {
  docker: {
    host: { section: 'docker', field: 'host', kind: 'docker-host' },
    pull_policy: {
      section: 'docker',
      field: 'pullPolicy',
      kind: ['always', 'if_not_present', 'never'],
    },
    network: { section: 'docker', field: 'network', kind: 'string' },
    startup_dir: { section: 'docker', field: 'startupDir', kind: 'string' },
  },
  kubernetes: {
    namespace: { section: 'kubernetes', field: 'namespace', kind: 'string' },
    init_image: { section: 'kubernetes', field: 'initImage', kind: 'string' },
    runner_startup_configmap: {
      section: 'kubernetes',
      field: 'runnerStartupConfigmap',
      kind: 'string',
    },
    service_account: { section: 'kubernetes', field: 'serviceAccount', kind: 'string' },
    kubeconfig: { section: 'kubernetes', field: 'kubeconfig', kind: 'string' },
    server_url: { section: 'kubernetes', field: 'serverUrl', kind: 'url' },
    pending_timeout_secs: {
      section: 'kubernetes',
      field: 'pendingTimeoutSecs',
      kind: 'positive-int',
    },
    image_pull_policy: {
      section: 'kubernetes',
      field: 'imagePullPolicy',
      kind: ['Always', 'IfNotPresent', 'Never'],
    },
  },
};

function isSection(key: string): key is 'docker' | 'kubernetes' {
  return key === 'docker' || key === 'kubernetes';
}

/** Upstream keys for what this worker does not have (AI agents); accepted so upstream configs load. */
const IGNORED_KEYS = ['agents'];

const ENV_PREFIX = 'STROEM__';

/**
 * Top-level keys of the server's config (reference Appendix B). Their `STROEM__*` variables are
 * skipped rather than rejected, so one environment (a compose file, a Helm secret) can serve the
 * server and its workers; a worker key mistyped in the environment is still an error.
 */
const SERVER_KEYS = [
  'listen',
  'db',
  'log_storage',
  'workspaces',
  'libraries',
  'git_auth',
  'auth',
  'acl',
  'recovery',
  'retention',
  'state_storage',
  'artifact_storage',
  'mcp',
  'metrics',
  'default_step_timeout',
  'default_job_timeout',
];

export interface LoadWorkerConfigOptions {
  /** Path of the YAML file; without it the config comes from the environment alone. */
  file?: string;
  env?: NodeJS.ProcessEnv;
}

interface RawValue {
  value: unknown;
  /** Where it came from, for messages: `worker.yaml` or `STROEM__MAX_CONCURRENT`. */
  origin: string;
  fromEnv: boolean;
}

export function loadWorkerConfig(options: LoadWorkerConfigOptions = {}): WorkerConfig {
  const env = options.env ?? process.env;
  // Keyed by dotted path: `max_concurrent`, `docker.host`.
  const raw = new Map<string, RawValue>();

  if (options.file) {
    for (const [key, value] of Object.entries(readConfigFile(options.file))) {
      if (!isSection(key)) {
        raw.set(key, { value, origin: options.file, fromEnv: false });
        continue;
      }
      if (value === null || value === undefined) continue;
      if (typeof value !== 'object' || Array.isArray(value)) {
        throw new WorkerConfigError(
          `worker config: ${key} must be a mapping of keys to values (got ${JSON.stringify(value)} from ${options.file})`,
        );
      }
      for (const [sub, item] of Object.entries(value as Record<string, unknown>)) {
        raw.set(`${key}.${sub}`, { value: item, origin: options.file, fromEnv: false });
      }
    }
  }
  for (const [name, value] of Object.entries(env)) {
    if (!name.startsWith(ENV_PREFIX) || value === undefined) continue;
    const path = name.slice(ENV_PREFIX.length).toLowerCase().split('__');
    const key = path[0] ?? '';
    if (SERVER_KEYS.includes(key)) continue;
    if (isSection(key)) {
      if (path.length !== 2) {
        throw new WorkerConfigError(
          `worker config: ${name} must name one key of '${key}', e.g. STROEM__${key.toUpperCase()}__${Object.keys(SECTION_KEYS[key])[0].toUpperCase()}`,
        );
      }
    } else if (path.length > 1 && !IGNORED_KEYS.includes(key)) {
      throw new WorkerConfigError(
        `worker config: ${name} sets '${path.join('.')}', but '${key}' has no sub-keys`,
      );
    }
    raw.set(isSection(key) ? path.join('.') : key, { value, origin: name, fromEnv: true });
  }

  const config: WorkerConfig = {
    serverUrl: '',
    workerName: hostname(),
    maxConcurrent: 4,
    pollIntervalSecs: 2,
    claimWaitSecs: 20,
    workspaceCacheDir: '.data/worker/workspaces',
    capabilities: ['script'],
    tags: [],
    exclusive: false,
    maxRetainedRevisions: 5,
    requestTimeoutSecs: 30,
    connectTimeoutSecs: 10,
    drainTimeoutSecs: 30,
    heartbeatIntervalSecs: 30,
    runnerImage: DEFAULT_RUNNER_IMAGE,
    docker: { pullPolicy: 'if_not_present' },
    kubernetes: { namespace: 'default', initImage: DEFAULT_INIT_IMAGE, pendingTimeoutSecs: 600 },
  };
  for (const [key, entry] of raw) {
    const [top, sub] = key.split('.');
    if (IGNORED_KEYS.includes(top)) continue;
    let spec: KeySpec | undefined;
    if (isSection(top)) {
      spec = SECTION_KEYS[top][sub];
      if (!spec) {
        const hint = didYouMean(sub, Object.keys(SECTION_KEYS[top]));
        throw new WorkerConfigError(
          `worker config: unknown key '${key}' (from ${entry.origin})${hint}`,
        );
      }
    } else {
      spec = KEYS[key];
      if (!spec) {
        const known = Object.keys(KEYS).concat(Object.keys(SECTION_KEYS), IGNORED_KEYS);
        throw new WorkerConfigError(
          `worker config: unknown key '${key}' (from ${entry.origin})${didYouMean(key, known)}`,
        );
      }
    }
    const target = (spec.section ? config[spec.section] : config) as unknown as Record<
      string,
      unknown
    >;
    target[spec.field] = coerce(key, spec.kind, entry);
  }
  if (!config.serverUrl) {
    throw new WorkerConfigError(
      'worker config: server_url is required (set it in the config file or STROEM__SERVER_URL)',
    );
  }
  if (config.claimWaitSecs > MAX_CLAIM_WAIT_SECS) {
    throw new WorkerConfigError(
      `worker config: claim_wait_secs must be from 0 to ${MAX_CLAIM_WAIT_SECS} (got ${config.claimWaitSecs}; the server parks a claim at most ${MAX_CLAIM_WAIT_SECS}s)`,
    );
  }
  if (config.capabilities.length === 0) {
    throw new WorkerConfigError('worker config: capabilities must not be empty');
  }
  const unknownCapability = config.capabilities.find(
    (c) => !(KNOWN_CAPABILITIES as readonly string[]).includes(c),
  );
  if (unknownCapability !== undefined) {
    throw new WorkerConfigError(
      `worker config: capabilities: unknown capability '${unknownCapability}' (known: ${KNOWN_CAPABILITIES.join(', ')})`,
    );
  }
  return config;
}

function readConfigFile(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new WorkerConfigError(`worker config: cannot read ${file}: ${(err as Error).message}`);
  }
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    throw new WorkerConfigError(
      `worker config: ${file} is not valid YAML: ${(err as Error).message.split('\n')[0]}`,
    );
  }
  if (doc === null || doc === undefined) return {};
  if (typeof doc !== 'object' || Array.isArray(doc)) {
    throw new WorkerConfigError(`worker config: ${file} must be a mapping of keys to values`);
  }
  return doc as Record<string, unknown>;
}

function coerce(key: string, kind: KeyKind, entry: RawValue): unknown {
  const { value, origin, fromEnv } = entry;
  const fail = (expected: string): never => {
    throw new WorkerConfigError(
      `worker config: ${key} must be ${expected} (got ${JSON.stringify(value)} from ${origin})`,
    );
  };
  if (typeof kind !== 'string') {
    if (typeof value === 'string' && kind.includes(value)) return value;
    return fail(`one of ${kind.join(', ')}`);
  }
  switch (kind) {
    case 'docker-host':
      if (typeof value !== 'string' || !/^(unix|tcp|http|https):\/\/./.test(value)) {
        return fail('a Docker endpoint (unix:///path/docker.sock or tcp://host:port)');
      }
      return value;
    case 'string':
      if (typeof value !== 'string' || value.trim() === '') return fail('a non-empty string');
      return value;
    case 'url': {
      if (typeof value !== 'string') return fail('an http(s) URL');
      let url: URL;
      try {
        url = new URL(value);
      } catch {
        return fail('an http(s) URL');
      }
      if (url.protocol !== 'http:' && url.protocol !== 'https:') return fail('an http(s) URL');
      return value.replace(/\/+$/, '');
    }
    case 'token':
      if (typeof value !== 'string') return fail('a string');
      if (value.length < 32) {
        throw new WorkerConfigError(
          `worker config: worker_token must be at least 32 characters (got ${value.length} from ${origin})`,
        );
      }
      return value;
    case 'positive-int':
    case 'non-negative-int': {
      const n = fromEnv && typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
      const min = kind === 'positive-int' ? 1 : 0;
      if (typeof n !== 'number' || !Number.isInteger(n) || n < min) {
        return fail(kind === 'positive-int' ? 'a whole number ≥ 1' : 'a whole number ≥ 0');
      }
      return n;
    }
    case 'bool':
      if (typeof value === 'boolean') return value;
      if (fromEnv && typeof value === 'string') {
        if (/^(true|1|yes)$/i.test(value)) return true;
        if (/^(false|0|no)$/i.test(value)) return false;
      }
      return fail('true or false');
    case 'list': {
      // From the environment: `script,docker` or a YAML flow list `[script, docker]`.
      const list =
        fromEnv && typeof value === 'string'
          ? value.trim().startsWith('[')
            ? (parseYaml(value) as unknown)
            : value
                .split(',')
                .map((s) => s.trim())
                .filter((s) => s !== '')
          : value;
      if (!Array.isArray(list) || list.some((item) => typeof item !== 'string' || item === '')) {
        return fail('a list of strings');
      }
      return list as string[];
    }
  }
}
