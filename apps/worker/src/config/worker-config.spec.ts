import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadWorkerConfig, WorkerConfigError } from './worker-config';

const TOKEN = 'a-worker-token-that-is-32-chars-long!';

describe('worker config', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'stroem-worker-config-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  const file = async (yaml: string) => {
    const path = join(dir, 'worker.yaml');
    await writeFile(path, yaml);
    return path;
  };
  const loadError = (fn: () => unknown): string => {
    try {
      fn();
    } catch (err) {
      expect(err).toBeInstanceOf(WorkerConfigError);
      return (err as Error).message;
    }
    throw new Error('expected a config error');
  };

  it('fills in the defaults around the required server_url', async () => {
    const config = loadWorkerConfig({
      file: await file('server_url: http://server:8080/\n'),
      env: {},
    });
    expect(config).toEqual({
      serverUrl: 'http://server:8080',
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
      runnerImage: 'ghcr.io/fremvaerk/stroem-runner:latest',
      docker: { pullPolicy: 'if_not_present' },
      kubernetes: {
        namespace: 'default',
        initImage: 'curlimages/curl:latest',
        pendingTimeoutSecs: 600,
      },
    });
  });

  it('lets STROEM__<KEY> variables override the file, typed per key', async () => {
    const path = await file(
      ['server_url: http://file:8080', 'max_concurrent: 2', 'tags: [gpu]', ''].join('\n'),
    );
    const config = loadWorkerConfig({
      file: path,
      env: {
        STROEM__SERVER_URL: 'http://env:9090',
        STROEM__MAX_CONCURRENT: '8',
        STROEM__WORKER_TOKEN: TOKEN,
        STROEM__TAGS: 'gpu, eu-west',
        STROEM__CAPABILITIES: '[script]',
        STROEM__EXCLUSIVE: 'true',
        STROEM__CLAIM_WAIT_SECS: '0',
        STROEM_WORKER_CONFIG: 'ignored: not a STROEM__ key',
      },
    });
    expect(config).toMatchObject({
      serverUrl: 'http://env:9090',
      maxConcurrent: 8,
      workerToken: TOKEN,
      tags: ['gpu', 'eu-west'],
      capabilities: ['script'],
      exclusive: true,
      claimWaitSecs: 0,
    });
  });

  it('works from the environment alone', () => {
    const config = loadWorkerConfig({
      env: { STROEM__SERVER_URL: 'https://stroem.example', STROEM__WORKER_NAME: 'w1' },
    });
    expect(config.serverUrl).toBe('https://stroem.example');
    expect(config.workerName).toBe('w1');
  });

  it('reads heartbeat_interval_secs (our extension; upstream heartbeats every 30 s)', async () => {
    const path = await file('server_url: http://s\nheartbeat_interval_secs: 5\n');
    expect(loadWorkerConfig({ file: path, env: {} }).heartbeatIntervalSecs).toBe(5);
    const env = { STROEM__SERVER_URL: 'http://s', STROEM__HEARTBEAT_INTERVAL_SECS: '0' };
    expect(loadError(() => loadWorkerConfig({ env }))).toMatch(
      /heartbeat_interval_secs must be a whole number ≥ 1/,
    );
  });

  it('accepts workspace_dir as the old name of workspace_cache_dir', async () => {
    const path = await file('server_url: http://s\nworkspace_dir: /var/cache/stroem\n');
    expect(loadWorkerConfig({ file: path, env: {} }).workspaceCacheDir).toBe('/var/cache/stroem');
  });

  it('reads the runner sections, with STROEM__<SECTION>__<KEY> overriding the file', async () => {
    const path = await file(
      [
        'server_url: http://s',
        'runner_image: registry.local/runner:1',
        'docker: { host: unix:///run/podman/podman.sock, pull_policy: never, network: none }',
        'kubernetes:',
        '  namespace: stroem',
        '  init_image: registry.local/curl:8',
        '  runner_startup_configmap: startup',
        '  service_account: stroem-steps',
        '  kubeconfig: /etc/stroem/kubeconfig',
        '  server_url: http://stroem.stroem.svc:8080',
        '  pending_timeout_secs: 120',
        '  image_pull_policy: IfNotPresent',
        'agents: { providers: { claude: { type: anthropic, model: x } } }',
        '',
      ].join('\n'),
    );
    const env = {
      STROEM__KUBERNETES__NAMESPACE: 'other',
      STROEM__DOCKER__STARTUP_DIR: '/etc/stroem/startup.d',
      STROEM__DOCKER__PULL_POLICY: 'always',
    };
    const config = loadWorkerConfig({ file: path, env });
    expect(config.runnerImage).toBe('registry.local/runner:1');
    expect(config.docker).toEqual({
      host: 'unix:///run/podman/podman.sock',
      pullPolicy: 'always',
      network: 'none',
      startupDir: '/etc/stroem/startup.d',
    });
    expect(config.kubernetes).toEqual({
      namespace: 'other',
      initImage: 'registry.local/curl:8',
      runnerStartupConfigmap: 'startup',
      serviceAccount: 'stroem-steps',
      kubeconfig: '/etc/stroem/kubeconfig',
      serverUrl: 'http://stroem.stroem.svc:8080',
      pendingTimeoutSecs: 120,
      imagePullPolicy: 'IfNotPresent',
    });
  });

  it('rejects an unknown key of a section, naming it and the likely intended key', async () => {
    const path = await file('server_url: http://s\ndocker: { hots: tcp://d:2375 }\n');
    expect(loadError(() => loadWorkerConfig({ file: path, env: {} }))).toBe(
      `worker config: unknown key 'docker.hots' (from ${path}) (did you mean 'host'?)`,
    );
    const env = { STROEM__SERVER_URL: 'http://s', STROEM__KUBERNETES__NAMESPASE: 'x' };
    expect(loadError(() => loadWorkerConfig({ env }))).toBe(
      "worker config: unknown key 'kubernetes.namespase' (from STROEM__KUBERNETES__NAMESPASE) (did you mean 'namespace'?)",
    );
  });

  it('rejects a section that is not a mapping, and a section variable without a key', async () => {
    const path = await file('server_url: http://s\ndocker: unix:///var/run/docker.sock\n');
    expect(loadError(() => loadWorkerConfig({ file: path, env: {} }))).toBe(
      `worker config: docker must be a mapping of keys to values (got "unix:///var/run/docker.sock" from ${path})`,
    );
    const env = { STROEM__SERVER_URL: 'http://s', STROEM__DOCKER: 'x' };
    expect(loadError(() => loadWorkerConfig({ env }))).toBe(
      "worker config: STROEM__DOCKER must name one key of 'docker', e.g. STROEM__DOCKER__HOST",
    );
  });

  it('rejects an unknown key in the file, naming it and the likely intended key', async () => {
    const path = await file('server_url: http://s\nmax_concurent: 3\n');
    expect(loadError(() => loadWorkerConfig({ file: path, env: {} }))).toBe(
      `worker config: unknown key 'max_concurent' (from ${path}) (did you mean 'max_concurrent'?)`,
    );
  });

  it('rejects an unknown STROEM__ variable, naming the variable', () => {
    const env = { STROEM__SERVER_URL: 'http://s', STROEM__MAX_CONCURENT: '3' };
    expect(loadError(() => loadWorkerConfig({ env }))).toBe(
      "worker config: unknown key 'max_concurent' (from STROEM__MAX_CONCURENT) (did you mean 'max_concurrent'?)",
    );
  });

  it("skips the server's STROEM__ variables, so one environment serves server and workers", () => {
    const env = {
      STROEM__SERVER_URL: 'http://s',
      STROEM__LISTEN: '0.0.0.0:8080',
      STROEM__DB__URL: 'postgres://db/stroem',
      STROEM__WORKSPACES__DEFAULT__PATH: '/srv/ws',
    };
    expect(loadWorkerConfig({ env }).serverUrl).toBe('http://s');
  });

  it('rejects a worker_token shorter than 32 characters', () => {
    const env = { STROEM__SERVER_URL: 'http://s', STROEM__WORKER_TOKEN: 'too-short' };
    expect(loadError(() => loadWorkerConfig({ env }))).toBe(
      'worker config: worker_token must be at least 32 characters (got 9 from STROEM__WORKER_TOKEN)',
    );
  });

  it('requires server_url', () => {
    expect(loadError(() => loadWorkerConfig({ env: {} }))).toMatch(/server_url is required/);
  });

  it.each([
    ['STROEM__MAX_CONCURRENT', 'four', /max_concurrent must be a whole number ≥ 1/],
    ['STROEM__MAX_CONCURRENT', '0', /max_concurrent must be a whole number ≥ 1/],
    ['STROEM__EXCLUSIVE', 'maybe', /exclusive must be true or false/],
    ['STROEM__SERVER_URL', 'server:8080', /server_url must be an http\(s\) URL/],
    ['STROEM__CAPABILITIES', 'script,gpu', /unknown capability 'gpu'/],
    ['STROEM__CLAIM_WAIT_SECS', '60', /claim_wait_secs must be from 0 to 30/],
    [
      'STROEM__DOCKER__PULL_POLICY',
      'sometimes',
      /docker.pull_policy must be one of always, if_not_present, never \(got "sometimes"/,
    ],
    ['STROEM__DOCKER__HOST', '/var/run/docker.sock', /docker.host must be a Docker endpoint/],
    ['STROEM__KUBERNETES__PENDING_TIMEOUT_SECS', '0', /pending_timeout_secs must be a whole/],
    ['STROEM__KUBERNETES__IMAGE_PULL_POLICY', 'always', /one of Always, IfNotPresent, Never/],
    ['STROEM__KUBERNETES__SERVER_URL', 'svc:8080', /kubernetes.server_url must be an http/],
  ])('rejects %s=%s with one line naming the key', (name, value, message) => {
    const env = { STROEM__SERVER_URL: 'http://s', [name]: value };
    const error = loadError(() => loadWorkerConfig({ env }));
    expect(error).toMatch(message);
    expect(error).not.toContain('\n');
  });

  it('reports a file that is not YAML', async () => {
    const path = await file('server_url: [unclosed\n');
    expect(loadError(() => loadWorkerConfig({ file: path, env: {} }))).toMatch(/is not valid YAML/);
  });
});
