// The log archive (reference §1.17): a job's gzipped JSONL goes to S3 (a real s3rver on
// loopback) or a folder after the job ends, survives S3 outages and restarts, and
// `GET /api/jobs/{id}/logs` falls back to it once the local file is gone.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { LogArchiveRepository } from '@stroem/db';
import request from 'supertest';
import type { DataSource } from 'typeorm';
import { startS3Server, type TestS3Server } from '../../testing/s3-server';
import { Driver, startTestServer, type TestServer } from '../../testing/test-server';
import type { BlobBackendConfig } from '../config/server-config';
import { DATA_SOURCE } from '../database/database.module';
import { logArchiveKey } from './log-archive-key';

const WORKFLOWS = `
actions:
  ok: { type: script, script: "true" }
tasks:
  hello:
    flow:
      a: { action: ok }
`;
const BUCKET = 'stroem-logs';

/** Polls `probe` until it returns something other than false; fails after `ms`. */
async function eventually<T>(
  probe: () => Promise<T | false>,
  what: string,
  ms = 20000,
): Promise<T> {
  const deadline = Date.now() + ms;
  let last = await probe();
  while (last === false) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last: ${last}`);
    await new Promise((r) => setTimeout(r, 100));
    last = await probe();
  }
  return last;
}

const logFolders: string[] = [];
afterAll(() => {
  for (const folder of logFolders) rmSync(folder, { recursive: true, force: true });
});

async function startArchivingServer(archive: BlobBackendConfig): Promise<TestServer> {
  const logs = mkdtempSync(path.join(tmpdir(), 'stroem-logs-'));
  logFolders.push(logs);
  return startTestServer(
    { '.workflows/w.yaml': WORKFLOWS },
    {
      log_storage: {
        local_dir: logs,
        archive,
        archive_delay_secs: 0,
        archive_interval_secs: 1,
      },
    },
  );
}

/** Runs `hello` with two log lines to its end; returns the job id. */
async function runJob(server: TestServer, d: Driver): Promise<string> {
  const jobId = await d.execute('hello');
  await request(server.http)
    .post(`/worker/jobs/${jobId}/logs`)
    .send({
      step_name: 'a',
      lines: [
        { ts: '2026-01-01T00:00:00.000Z', stream: 'stdout', line: 'first line' },
        { ts: '2026-01-01T00:00:01.000Z', stream: 'stderr', line: 'second line' },
      ],
    })
    .expect(200);
  await d.complete(jobId, 'a');
  return jobId;
}

const markerOf = (server: TestServer, jobId: string) =>
  server.app.get(LogArchiveRepository).state(jobId);

async function expectedKey(server: TestServer, jobId: string): Promise<string> {
  const [row] = (await server.app
    .get<DataSource>(DATA_SOURCE)
    .query(`SELECT workspace, task_name, created_at FROM job WHERE job_id = $1`, [jobId])) as {
    workspace: string;
    task_name: string;
    created_at: Date;
  }[];
  return logArchiveKey({
    jobId,
    workspace: row.workspace,
    taskName: row.task_name,
    createdAt: row.created_at,
  });
}

const localFile = (server: TestServer, jobId: string) =>
  path.join(server.config.log_storage.local_dir, `${jobId}.jsonl`);

const apiLogs = async (server: TestServer, jobId: string) =>
  (await request(server.http).get(`/api/jobs/${jobId}/logs`).expect(200)).body.logs as string;

describe('log archive to S3', () => {
  let s3: TestS3Server;
  let server: TestServer;
  let d: Driver;

  beforeAll(async () => {
    s3 = await startS3Server();
    await s3.createBucket(BUCKET);
    server = await startArchivingServer(s3.archiveConfig(BUCKET, 'logs/'));
    d = new Driver(server);
  });
  afterAll(async () => {
    await server?.close();
    await s3?.close();
  });

  it('puts the gzipped JSONL at {prefix}{ws}/{task}/YYYY/MM/DD/…_{job}.jsonl.gz once the job ends', async () => {
    const jobId = await runJob(server, d);
    const marker = await eventually(async () => {
      const m = await markerOf(server, jobId);
      return m.state === 'archived' && m;
    }, 'the archive');
    const key = `logs/${await expectedKey(server, jobId)}`;
    expect(key).toMatch(
      new RegExp(
        `^logs/default/hello/\\d{4}/\\d\\d/\\d\\d/\\d{4}-\\d\\d-\\d\\dT\\d\\d-\\d\\d-\\d\\d_${jobId}\\.jsonl\\.gz$`,
      ),
    );
    expect(marker.key).toBe(key.slice('logs/'.length));
    expect(await s3.listKeys(BUCKET)).toContain(key);

    const archived = gunzipSync(await s3.getObject(BUCKET, key)).toString('utf8');
    expect(archived).toBe(readFileSync(localFile(server, jobId), 'utf8'));
    expect(
      archived
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as { step: string; line: string })
        .filter((l) => l.step === 'a')
        .map((l) => l.line),
    ).toEqual(['first line', 'second line']);
    // Upstream keeps the local file after archiving; retention removes it later.
    expect(existsSync(localFile(server, jobId))).toBe(true);
  });

  it('serves GET /api/jobs/{id}/logs from the archive once the local file is deleted', async () => {
    const jobId = await runJob(server, d);
    await eventually(async () => (await markerOf(server, jobId)).state === 'archived', 'archive');
    const before = await apiLogs(server, jobId);
    rmSync(localFile(server, jobId));
    expect(await apiLogs(server, jobId)).toBe(before);
    expect(before).toContain('second line');
    const step = await request(server.http).get(`/api/jobs/${jobId}/steps/a/logs`).expect(200);
    expect(step.body.logs).toContain('first line');
  });

  it('keeps the archive pending while S3 is down and uploads it once S3 is back', async () => {
    await s3.stop();
    try {
      const jobId = await runJob(server, d);
      const failed = await eventually(async () => {
        const m = await markerOf(server, jobId);
        return m.attempts >= 1 && m.error !== null && m;
      }, 'a failed attempt');
      expect(failed.state).toBe('pending');
      await s3.start();
      await eventually(async () => (await markerOf(server, jobId)).state === 'archived', 'retry');
      expect(await s3.listKeys(BUCKET)).toContain(`logs/${await expectedKey(server, jobId)}`);
    } finally {
      await s3.start().catch(() => undefined);
    }
  });

  it('uploads a pending archive after an app restart', async () => {
    await s3.stop();
    let jobId: string;
    try {
      jobId = await runJob(server, d);
      await eventually(async () => (await markerOf(server, jobId)).attempts >= 1, 'an attempt');
      await server.restart();
      expect((await markerOf(server, jobId)).state).toBe('pending');
    } finally {
      await s3.start();
    }
    await eventually(async () => (await markerOf(server, jobId)).state === 'archived', 'upload');
    const key = `logs/${await expectedKey(server, jobId)}`;
    expect(gunzipSync(await s3.getObject(BUCKET, key)).toString('utf8')).toContain('first line');
  });
});

describe('log archive to a folder', () => {
  let archiveDir: string;
  let server: TestServer;

  beforeAll(async () => {
    archiveDir = mkdtempSync(path.join(tmpdir(), 'stroem-archive-'));
    server = await startArchivingServer({ type: 'local', path: archiveDir, prefix: 'logs/' });
  });
  afterAll(async () => {
    await server?.close();
    rmSync(archiveDir, { recursive: true, force: true });
  });

  it('writes the gzipped log under the folder and reads it back after the local file is gone', async () => {
    const jobId = await runJob(server, new Driver(server));
    await eventually(async () => (await markerOf(server, jobId)).state === 'archived', 'archive');
    const file = path.join(archiveDir, 'logs', await expectedKey(server, jobId));
    const local = readFileSync(localFile(server, jobId), 'utf8');
    expect(gunzipSync(readFileSync(file)).toString('utf8')).toBe(local);
    rmSync(localFile(server, jobId));
    expect(await apiLogs(server, jobId)).toBe(local);
  });
});
