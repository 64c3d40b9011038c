import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { ConfigError, loadServerConfig } from './config-loader';

const cwd = mkdtempSync(path.join(tmpdir(), 'stroem-config-'));
afterAll(() => rmSync(cwd, { recursive: true, force: true }));
const load = (env: NodeJS.ProcessEnv = {}, argv: string[] = []) =>
  loadServerConfig({ argv, env, cwd });

describe('loadServerConfig', () => {
  it('has working defaults: port 8080, embedded database, the example workspace', () => {
    const config = load();
    expect(config.listen).toEqual({ host: '0.0.0.0', port: 8080 });
    expect(config.db.url).toBeUndefined();
    expect(config.db.embedded).toEqual({ data_dir: path.join(cwd, '.data/pg'), port: 54329 });
    expect(config.workspaces['default']).toMatchObject({
      type: 'folder',
      path: expect.stringMatching(/examples\/default$/),
    });
    expect(config.log_storage.local_dir).toBe(path.join(cwd, '.data/logs'));
    expect(config.worker_token).toBeUndefined();
  });

  it('reads a YAML file and lets STROEM__ variables override it', () => {
    const file = path.join(cwd, 'server.yaml');
    writeFileSync(
      file,
      'listen: "127.0.0.1:9000"\ndb:\n  url: postgres://a/b\nworkspaces:\n  ops: { type: folder, path: ./ops }\ndefault_step_timeout: 5m\n',
    );
    const config = load(
      { STROEM__LISTEN: '0.0.0.0:9100', STROEM__WORKSPACES__OPS__PATH: '/srv/ops' },
      ['--config', file],
    );
    expect(config.listen.port).toBe(9100);
    expect(config.db.url).toBe('postgres://a/b');
    expect(config.workspaces).toEqual({
      ops: { type: 'folder', path: '/srv/ops', poll_interval_secs: 30 },
    });
    expect(config.default_step_timeout).toBe(300);
  });

  it('takes DATABASE_URL when db.url is not set', () => {
    expect(load({ DATABASE_URL: 'postgres://x/y' }).db.url).toBe('postgres://x/y');
  });

  it('names the key of a bad value', () => {
    expect(() => load({ STROEM__WORKER_TOKEN: 'short' })).toThrow(
      new ConfigError('worker_token: must be at least 32 characters'),
    );
    expect(() => load({ STROEM__LISTEN: 'nope' })).toThrow(/^listen: /);
    expect(() => load({ STROEM__DEFAULT_STEP_TIMEOUT: '48h' })).toThrow(/^default_step_timeout: /);
    expect(() => load({ STROEM__WORKSPACES__X__TYPE: 'svn' })).toThrow(/^workspaces\.x\.type: /);
    expect(() => load({ STROEM__WORKSPACES__X__TYPE: 'git' })).toThrow(/^workspaces\.x\.url: /);
    expect(() => load({ STROEM_CONFIG: '/nonexistent.yaml' })).toThrow(/config file/);
  });

  it('reads git workspaces with defaults, auth and libraries', () => {
    const config = load({
      STROEM__WORKSPACES__OPS__TYPE: 'git',
      STROEM__WORKSPACES__OPS__URL: 'https://git.example.com/ops.git',
      STROEM__WORKSPACES__OPS__AUTH__TYPE: 'token',
      STROEM__WORKSPACES__OPS__AUTH__TOKEN: 'tok',
      STROEM__LIBRARIES__COMMON__PATH: 'lib',
    });
    expect(config.workspaces['ops']).toEqual({
      type: 'git',
      url: 'https://git.example.com/ops.git',
      ref: 'main',
      poll_interval_secs: 60,
      auth: {
        type: 'token',
        token: 'tok',
        key: undefined,
        key_path: undefined,
        username: undefined,
      },
    });
    expect(config.libraries?.['common']).toEqual({
      type: 'folder',
      path: path.join(cwd, 'lib'),
      poll_interval_secs: 30,
    });
    expect(() =>
      load({
        STROEM__WORKSPACES__OPS__TYPE: 'git',
        STROEM__WORKSPACES__OPS__URL: 'u',
        STROEM__WORKSPACES__OPS__AUTH__TYPE: 'ssh_key',
      }),
    ).toThrow(/^workspaces\.ops\.auth: ssh_key auth needs/);
  });

  describe('auth and acl', () => {
    const withFile = (yaml: string, env: NodeJS.ProcessEnv = {}) => {
      const file = path.join(cwd, 'auth.yaml');
      writeFileSync(file, `worker_token: "${'w'.repeat(32)}"\n${yaml}`);
      return load(env, ['--config', file]);
    };
    const secrets = `  jwt_secret: "${'j'.repeat(32)}"\n  refresh_secret: "${'r'.repeat(32)}"\n`;

    it('leaves auth off without a section, and reads one with defaults', () => {
      expect(load().auth).toBeUndefined();
      const config = withFile(
        `auth:\n${secrets}  base_url: https://stroem.example.com/\n  initial_user: { email: a@b.c, password: pw }\n  providers:\n    sso: { provider_type: oidc, display_name: SSO, issuer_url: https://idp.example, client_id: c, client_secret: s, default_groups: [ops] }\n`,
      );
      expect(config.auth).toMatchObject({
        base_url: 'https://stroem.example.com',
        access_token_ttl_secs: 900,
        refresh_token_ttl_secs: 2592000,
        initial_user: { email: 'a@b.c', password: 'pw' },
        rate_limits: { login_per_min: 20, refresh_per_min: 30, api_keys_per_min: 60 },
        providers: {
          sso: { provider_type: 'oidc', scopes: ['email', 'profile'], default_groups: ['ops'] },
        },
      });
    });

    it('refuses short secrets, incomplete oidc providers and a bad base_url, naming the key', () => {
      expect(() =>
        withFile(`auth:\n  jwt_secret: short\n  refresh_secret: "${'r'.repeat(32)}"\n`),
      ).toThrow(new ConfigError('auth.jwt_secret: must be at least 32 characters'));
      expect(() => withFile(`auth:\n  jwt_secret: "${'j'.repeat(32)}"\n`)).toThrow(
        /auth.refresh_secret: required/,
      );
      expect(() =>
        withFile(
          `auth:\n${secrets}  providers:\n    sso: { provider_type: oidc, issuer_url: https://x }\n`,
        ),
      ).toThrow(/auth.providers.sso.client_id: required/);
      expect(() => withFile(`auth:\n${secrets}  base_url: ftp://x\n`)).toThrow(/auth.base_url/);
    });

    it('needs a worker_token with auth', () => {
      const file = path.join(cwd, 'no-token.yaml');
      writeFileSync(file, `auth:\n${secrets}`);
      expect(() => load({}, ['--config', file])).toThrow(
        new ConfigError('worker_token: required when auth is configured'),
      );
    });

    it('takes secrets from STROEM__ variables', () => {
      const config = load({
        STROEM__WORKER_TOKEN: 'w'.repeat(32),
        STROEM__AUTH__JWT_SECRET: 'j'.repeat(40),
        STROEM__AUTH__REFRESH_SECRET: 'r'.repeat(40),
      });
      expect(config.auth?.jwt_secret).toBe('j'.repeat(40));
    });

    it('reads ACL rules with defaults and refuses unknown actions and rules for nobody', () => {
      const config = withFile(
        `auth:\n${secrets}acl:\n  rules:\n    - { tasks: ["ops/*"], action: run, groups: [ops], users: [Ann@Example.com] }\n`,
      );
      expect(config.acl).toEqual({
        default: 'deny',
        rules: [
          {
            workspace: '*',
            tasks: ['ops/*'],
            action: 'run',
            groups: ['ops'],
            users: ['ann@example.com'],
          },
        ],
      });
      expect(() =>
        withFile(`auth:\n${secrets}acl:\n  rules:\n    - { action: admin, groups: [x] }\n`),
      ).toThrow(/acl.rules.0.action: expected run, view or deny, got 'admin'/);
      expect(() => withFile(`auth:\n${secrets}acl:\n  rules:\n    - { action: run }\n`)).toThrow(
        /acl.rules.0: needs 'groups' or 'users'/,
      );
    });
  });

  describe('metrics', () => {
    it('leaves the section out when nothing is configured', () => {
      expect(load().metrics).toBeUndefined();
    });

    it('reads metrics.public from YAML booleans and env strings, and metrics.token', () => {
      const file = path.join(cwd, 'metrics.yaml');
      writeFileSync(file, 'metrics:\n  public: true\n');
      expect(load({}, ['--config', file]).metrics).toEqual({ public: true });
      expect(load({ STROEM__METRICS__TOKEN: 'scrape-token' }).metrics).toEqual({
        public: false,
        token: 'scrape-token',
      });
      expect(load({ STROEM__METRICS__PUBLIC: 'false' }).metrics).toEqual({ public: false });
    });

    it('names metrics.public when it is not a boolean', () => {
      expect(() => load({ STROEM__METRICS__PUBLIC: 'yes' })).toThrow(
        new ConfigError("metrics.public: expected true or false, got 'yes'"),
      );
    });
  });

  describe('blob storage and retention', () => {
    const fromYaml = (yaml: string, env: NodeJS.ProcessEnv = {}) => {
      const file = path.join(cwd, `storage-${Math.random().toString(36).slice(2)}.yaml`);
      writeFileSync(file, yaml);
      return load(env, ['--config', file]);
    };

    it('keeps logs local and leaves storage and retention at their defaults when unset', () => {
      const config = load();
      expect(config.log_storage.archive).toBeUndefined();
      expect(config.state_storage).toBeUndefined();
      expect(config.artifact_storage).toBeUndefined();
      expect(config.retention).toBeUndefined();
    });

    it('reads an s3 log archive with a custom endpoint and static credentials', () => {
      const config = fromYaml(
        'log_storage:\n  archive:\n    type: s3\n    bucket: stroem-logs\n    region: eu-west-1\n' +
          '    endpoint: http://minio:9000\n    prefix: logs/\n    access_key_id: AK\n' +
          '    secret_access_key: SK\n',
      );
      expect(config.log_storage.archive).toEqual({
        type: 's3',
        bucket: 'stroem-logs',
        region: 'eu-west-1',
        endpoint: 'http://minio:9000',
        prefix: 'logs/',
        access_key_id: 'AK',
        secret_access_key: 'SK',
      });
    });

    it("takes upstream's legacy log_storage.s3 section as an s3 archive", () => {
      const config = fromYaml('log_storage:\n  s3:\n    bucket: old-logs\n    region: us-west-2\n');
      expect(config.log_storage.archive).toEqual({
        type: 's3',
        bucket: 'old-logs',
        region: 'us-west-2',
        endpoint: undefined,
        prefix: '',
        access_key_id: undefined,
        secret_access_key: undefined,
      });
    });

    it('reads a local (folder) archive relative to the working directory, also from env', () => {
      const config = load({
        STROEM__LOG_STORAGE__ARCHIVE__TYPE: 'local',
        STROEM__LOG_STORAGE__ARCHIVE__PATH: 'archive',
      });
      expect(config.log_storage.archive).toEqual({
        type: 'local',
        path: path.join(cwd, 'archive'),
        prefix: '',
      });
    });

    it('names the key of a bad archive', () => {
      expect(() => fromYaml('log_storage:\n  archive:\n    type: gcs\n')).toThrow(
        new ConfigError("log_storage.archive.type: expected 's3' or 'local', got 'gcs'"),
      );
      expect(() => fromYaml('log_storage:\n  archive:\n    type: s3\n')).toThrow(
        new ConfigError('log_storage.archive.bucket: required for an s3 archive'),
      );
      expect(() => fromYaml('log_storage:\n  archive:\n    type: local\n')).toThrow(
        new ConfigError('log_storage.archive.path: required for a local archive'),
      );
      expect(() => fromYaml('log_storage:\n  archive: { type: s3, bucket: ab }\n')).toThrow(
        /log_storage.archive.bucket: 'ab' is not a valid S3 bucket name/,
      );
      expect(() =>
        fromYaml('log_storage:\n  archive: { type: s3, bucket: abc, access_key_id: AK }\n'),
      ).toThrow(/log_storage.archive: set both access_key_id and secret_access_key/);
      expect(() =>
        fromYaml('log_storage:\n  archive: { type: local, path: /a }\n  s3: { bucket: abc }\n'),
      ).toThrow(/log_storage: set archive or the legacy s3 section, not both/);
    });

    it('fills state and artifact storage defaults (prefixes, limits) around their archives', () => {
      const config = fromYaml(
        'state_storage:\n  archive: { type: local, path: /srv/state }\n' +
          'artifact_storage:\n  max_file_bytes: 1024\n',
      );
      expect(config.state_storage).toEqual({
        prefix: 'state/',
        max_snapshots: 5,
        global_max_snapshots: 5,
        archive: { type: 'local', path: '/srv/state', prefix: '' },
      });
      expect(config.artifact_storage).toEqual({
        prefix: 'artifacts/',
        max_file_bytes: 1024,
        max_job_bytes: 1024 ** 3,
        archive: undefined,
      });
    });

    it('reads retention with an hourly default interval and refuses values below 1', () => {
      expect(fromYaml('retention:\n  worker_hours: 24\n  job_days: 30\n').retention).toEqual({
        worker_hours: 24,
        job_days: 30,
        interval_secs: 3600,
      });
      expect(() => load({ STROEM__RETENTION__JOB_DAYS: '0' })).toThrow(
        new ConfigError("retention.job_days: expected an integer from 1 to 36500, got '0'"),
      );
      expect(() => load({ STROEM__RETENTION__INTERVAL_SECS: 'soon' })).toThrow(
        /retention.interval_secs: expected an integer/,
      );
    });
  });
});
