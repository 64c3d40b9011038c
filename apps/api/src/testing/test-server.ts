/**
 * A real server for integration specs: the Nest app on its own migrated database (the
 * `@stroem/db/testing` harness), a workspace written to a temp dir, supertest for HTTP.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { INestApplication, LoggerService } from '@nestjs/common';
import { createTestDatabase, type TestDatabase } from '@stroem/db/testing';
import type { JsonValue } from '@stroem/workflow';
import request from 'supertest';
import type { App } from 'supertest/types';
import { createApp } from '../app/create-app';
import type { AuthConfig, ServerConfig } from '../app/config/server-config';

export interface TestServer {
  app: INestApplication;
  http: App;
  dir: string;
  workspaceDir: string;
  config: ServerConfig;
  /** Closes the app and starts a new one on the same database and folders (`app`, `http` change). */
  restart(): Promise<void>;
  close(): Promise<void>;
}

/** An `auth` section for specs: fixed secrets, generous rate limits unless overridden. */
export function testAuthConfig(patch: Partial<AuthConfig> = {}): AuthConfig {
  return {
    jwt_secret: 'test-jwt-secret-0123456789abcdef-0123456789',
    refresh_secret: 'test-refresh-secret-0123456789abcdef-01234',
    access_token_ttl_secs: 900,
    refresh_token_ttl_secs: 30 * 86400,
    providers: {},
    initial_user: { email: 'admin@stroem.local', password: 'admin' },
    rate_limits: { login_per_min: 1000, refresh_per_min: 1000, api_keys_per_min: 1000 },
    ...patch,
  };
}

/** Logs in through the API; returns the access token and the refresh cookie's value. */
export async function login(
  http: App,
  email = 'admin@stroem.local',
  password = 'admin',
): Promise<{ accessToken: string; refreshToken: string }> {
  const res = await request(http).post('/api/auth/login').send({ email, password }).expect(200);
  const cookies = ([] as string[]).concat(res.headers['set-cookie'] ?? []);
  const refresh = cookies.map((c) => /^stroem_refresh=([^;]*)/.exec(c)?.[1]).find(Boolean);
  if (!refresh) throw new Error('login set no stroem_refresh cookie');
  return { accessToken: res.body.access_token as string, refreshToken: refresh };
}

export async function startTestServer(
  files: Record<string, string>,
  patch: Partial<ServerConfig> = {},
  logger: LoggerService | false = false,
): Promise<TestServer> {
  const db: TestDatabase = await createTestDatabase();
  const dir = mkdtempSync(path.join(tmpdir(), 'stroem-api-test-'));
  const workspaceDir = path.join(dir, 'ws');
  for (const [rel, text] of Object.entries(files)) {
    const file = path.join(workspaceDir, rel);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, text);
  }
  const config: ServerConfig = {
    listen: { host: '127.0.0.1', port: 0 },
    db: { url: db.url, embedded: { data_dir: path.join(dir, 'pg'), port: 0 } },
    workspaces: { default: { type: 'folder', path: workspaceDir, poll_interval_secs: 3600 } },
    log_storage: { local_dir: path.join(dir, 'logs') },
    // Specs sweep by calling RecoverySweep.sweepOnce(); the timer stays out of their way.
    recovery: {
      heartbeat_timeout_secs: 120,
      sweep_interval_secs: 3600,
      unmatched_step_timeout_secs: 30,
    },
    ...patch,
  };
  const app = await createApp(config, db.url, logger);
  const server: TestServer = {
    app,
    http: app.getHttpServer() as App,
    dir,
    workspaceDir,
    config,
    async restart() {
      await server.app.close();
      server.app = await createApp(config, db.url, logger);
      server.http = server.app.getHttpServer() as App;
    },
    async close() {
      await server.app.close();
      await db.drop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return server;
}

/** Drives jobs through the public API and the worker protocol, as a worker would. */
export class Driver {
  /** `accessToken`: sent on `/api` calls when the server runs with auth. */
  constructor(
    private readonly server: TestServer,
    private readonly accessToken?: string,
  ) {}

  private get auth(): Record<string, string> {
    return this.accessToken ? { Authorization: `Bearer ${this.accessToken}` } : {};
  }

  async execute(task: string, input: Record<string, JsonValue> = {}): Promise<string> {
    const res = await request(this.server.http)
      .post(`/api/workspaces/default/tasks/${task}/execute`)
      .set(this.auth)
      .send({ input })
      .expect(200);
    return res.body.job_id as string;
  }

  async complete(jobId: string, step: string, output: JsonValue = null): Promise<void> {
    await request(this.server.http)
      .post(`/worker/jobs/${jobId}/steps/${encodeURIComponent(step)}/complete`)
      .send({ exit_code: 0, output })
      .expect(200);
  }

  async fail(jobId: string, step: string, error = 'boom'): Promise<void> {
    await request(this.server.http)
      .post(`/worker/jobs/${jobId}/steps/${encodeURIComponent(step)}/complete`)
      .send({ exit_code: 1, error })
      .expect(200);
  }

  async job(jobId: string) {
    return (await request(this.server.http).get(`/api/jobs/${jobId}`).set(this.auth).expect(200))
      .body as {
      status: string;
      output: JsonValue;
      steps: {
        step_name: string;
        status: string;
        error_message: string | null;
        output: JsonValue;
      }[];
    };
  }

  async statuses(jobId: string): Promise<Record<string, string>> {
    const job = await this.job(jobId);
    return Object.fromEntries(job.steps.map((s) => [s.step_name, s.status]));
  }

  async registerWorker(capabilities = ['script'], tags: string[] = []): Promise<string> {
    const res = await request(this.server.http)
      .post('/worker/register')
      .send({ name: 'test-worker', capabilities, tags })
      .expect(200);
    return res.body.worker_id as string;
  }
}
