// Retention (reference §1.19): old terminal jobs go with their local logs, log archives (a real
// s3rver) and artifact blobs; inactive workers past `worker_hours` go; recent ones stay.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { LogArchiveRepository } from '@stroem/db';
import request from 'supertest';
import type { DataSource } from 'typeorm';
import { startS3Server, type TestS3Server } from '../../testing/s3-server';
import { Driver, startTestServer, type TestServer } from '../../testing/test-server';
import { DATA_SOURCE } from '../database/database.module';
import { BlobStores } from '../storage/blob-stores.service';
import { RetentionService } from './retention.service';

const WORKFLOWS = `
actions:
  ok: { type: script, script: "true" }
tasks:
  hello:
    flow:
      a: { action: ok }
`;
const BUCKET = 'retention-logs';

let s3: TestS3Server;
let server: TestServer;
let d: Driver;
let db: DataSource;

const logFolder = mkdtempSync(path.join(tmpdir(), 'stroem-logs-'));

beforeAll(async () => {
  s3 = await startS3Server();
  await s3.createBucket(BUCKET);
  server = await startTestServer(
    { '.workflows/w.yaml': WORKFLOWS },
    {
      log_storage: {
        local_dir: logFolder,
        archive: s3.archiveConfig(BUCKET),
        archive_delay_secs: 0,
        archive_interval_secs: 1,
      },
      retention: { worker_hours: 24, job_days: 7, interval_secs: 3600 },
    },
  );
  d = new Driver(server);
  db = server.app.get(DATA_SOURCE);
});
afterAll(async () => {
  await server?.close();
  await s3?.close();
  rmSync(logFolder, { recursive: true, force: true });
});

async function archivedJob(): Promise<{ jobId: string; key: string }> {
  const jobId = await d.execute('hello');
  await request(server.http)
    .post(`/worker/jobs/${jobId}/logs`)
    .send({ step_name: 'a', lines: [{ stream: 'stdout', line: 'hello' }] })
    .expect(200);
  await d.complete(jobId, 'a');
  const archives = server.app.get(LogArchiveRepository);
  const deadline = Date.now() + 15000;
  for (;;) {
    const marker = await archives.state(jobId);
    if (marker.state === 'archived' && marker.key) return { jobId, key: marker.key };
    if (Date.now() > deadline) throw new Error(`job ${jobId} not archived: ${marker.state}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const age = (jobId: string, days: number) =>
  db.query(
    `UPDATE job SET created_at = now() - make_interval(days => $2),
                    completed_at = now() - make_interval(days => $2) WHERE job_id = $1`,
    [jobId, days],
  );
const jobExists = async (jobId: string) =>
  ((await db.query(`SELECT 1 FROM job WHERE job_id = $1`, [jobId])) as unknown[]).length === 1;
const localLog = (jobId: string) =>
  path.join(server.config.log_storage.local_dir, `${jobId}.jsonl`);

it('deletes terminal jobs older than job_days with their logs, archives and artifacts, and keeps recent ones', async () => {
  const old = await archivedJob();
  const recent = await archivedJob();
  await age(old.jobId, 8);
  // A job started from the old one (a sub-job or hook job) must survive its deletion.
  await db.query(`UPDATE job SET parent_job_id = $1 WHERE job_id = $2`, [old.jobId, recent.jobId]);
  const artifacts = server.app.get(BlobStores).artifacts;
  await artifacts.put(`artifacts/${old.jobId}/report.txt`, Buffer.from('report'));
  await db.query(
    `INSERT INTO job_artifact (id, job_id, step_name, name, content_type, size_bytes, storage_key)
     VALUES (gen_random_uuid(), $1, 'a', 'report.txt', 'text/plain', 6, $2)`,
    [old.jobId, `artifacts/${old.jobId}/report.txt`],
  );

  const report = await server.app.get(RetentionService).runOnce();

  expect(report.deletedJobs).toBe(1);
  expect(await jobExists(old.jobId)).toBe(false);
  expect(existsSync(localLog(old.jobId))).toBe(false);
  expect(await s3.listKeys(BUCKET)).not.toContain(old.key);
  expect(await artifacts.exists(`artifacts/${old.jobId}/report.txt`)).toBe(false);

  expect(await jobExists(recent.jobId)).toBe(true);
  expect(existsSync(localLog(recent.jobId))).toBe(true);
  expect(await s3.listKeys(BUCKET)).toContain(recent.key);
  const [child] = (await db.query(`SELECT parent_job_id FROM job WHERE job_id = $1`, [
    recent.jobId,
  ])) as { parent_job_id: string | null }[];
  expect(child.parent_job_id).toBeNull();
  await request(server.http).get(`/api/jobs/${recent.jobId}`).expect(200);
});

it('keeps running jobs however old they are', async () => {
  const jobId = await d.execute('hello');
  await age(jobId, 30);
  await server.app.get(RetentionService).runOnce();
  expect(await jobExists(jobId)).toBe(true);
  await d.complete(jobId, 'a');
});

it('deletes inactive workers silent for longer than worker_hours, and only those', async () => {
  const gone = await d.registerWorker();
  const resting = await d.registerWorker();
  const active = await d.registerWorker();
  await db.query(
    `UPDATE worker SET status = 'inactive', last_heartbeat = now() - interval '25 hours'
      WHERE worker_id = $1`,
    [gone],
  );
  await db.query(
    `UPDATE worker SET status = 'inactive', last_heartbeat = now() - interval '2 hours'
      WHERE worker_id = $1`,
    [resting],
  );
  await db.query(
    `UPDATE worker SET last_heartbeat = now() - interval '30 days' WHERE worker_id = $1`,
    [active],
  );

  const report = await server.app.get(RetentionService).runOnce();

  expect(report.deletedWorkers).toBe(1);
  const left = ((await db.query(`SELECT worker_id FROM worker`)) as { worker_id: string }[]).map(
    (w) => w.worker_id,
  );
  expect(left).toEqual(expect.arrayContaining([resting, active]));
  expect(left).not.toContain(gone);
});
