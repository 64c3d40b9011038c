/**
 * A real server for integration specs: the Nest app on its own migrated database (the
 * `@stroem/db/testing` harness), a workspace written to a temp dir, supertest for HTTP.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { INestApplication } from '@nestjs/common';
import { createTestDatabase, type TestDatabase } from '@stroem/db/testing';
import type { JsonValue } from '@stroem/workflow';
import request from 'supertest';
import type { App } from 'supertest/types';
import { createApp } from '../app/create-app';
import type { ServerConfig } from '../app/config/server-config';

export interface TestServer {
  app: INestApplication;
  http: App;
  dir: string;
  workspaceDir: string;
  config: ServerConfig;
  close(): Promise<void>;
}

export async function startTestServer(
  files: Record<string, string>,
  patch: Partial<ServerConfig> = {},
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
  const app = await createApp(config, db.url, false);
  return {
    app,
    http: app.getHttpServer() as App,
    dir,
    workspaceDir,
    config,
    async close() {
      await app.close();
      await db.drop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Drives jobs through the public API and the worker protocol, as a worker would. */
export class Driver {
  constructor(private readonly server: TestServer) {}

  async execute(task: string, input: Record<string, JsonValue> = {}): Promise<string> {
    const res = await request(this.server.http)
      .post(`/api/workspaces/default/tasks/${task}/execute`)
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
    return (await request(this.server.http).get(`/api/jobs/${jobId}`).expect(200)).body as {
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
