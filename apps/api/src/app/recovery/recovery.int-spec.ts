// The recovery sweep (reference §2.17.11) against a real database: each case arranges rows,
// runs one sweep and checks what a user would see.
import request from 'supertest';
import type { DataSource } from 'typeorm';
import { Driver, startTestServer, type TestServer } from '../../testing/test-server';
import { DATA_SOURCE } from '../database/database.module';
import { StepClaimService } from '../orchestrator/step-claim.service';
import { LOST_CLAIM_GRACE_SECS } from '../worker-api/worker-registry.service';
import {
  RecoverySweep,
  TERMINAL_ACTIONS_GRACE_SECS,
  UNMATCHED_STEP_ERROR,
} from './recovery-sweep.service';

const WORKFLOWS = `
actions:
  ok: { type: script, script: "true" }
  gpu: { type: script, script: "true", tags: [gpu] }
  lost: { type: script, script: "true", tags: [lost] }
tasks:
  one:
    flow:
      s: { action: ok, timeout: 30s }
  one-retry:
    flow:
      s: { action: ok, retry: { max_attempts: 1, delay: 1s } }
  slow-job:
    timeout: 1h
    flow:
      s: { action: ok }
      t: { action: ok, depends_on: [s] }
  gpu-task:
    flow:
      g: { action: gpu }
  lost-task:
    flow:
      s: { action: lost }
  hooked:
    flow:
      s: { action: ok }
    on_success:
      - action: ok
`;

let server: TestServer;
let d: Driver;
let db: DataSource;
let sweep: RecoverySweep;

beforeAll(async () => {
  server = await startTestServer({ '.workflows/w.yaml': WORKFLOWS });
  d = new Driver(server);
  db = server.app.get(DATA_SOURCE);
  sweep = server.app.get(RecoverySweep);
});
afterAll(() => server.close());

const post = (path: string, body: object) => request(server.http).post(path).send(body);

async function claimStep(workerId: string, jobId: string, tags: string[] = []): Promise<void> {
  const got = (
    await post('/worker/jobs/claim', {
      worker_id: workerId,
      capabilities: ['script'],
      tags,
    }).expect(200)
  ).body;
  expect(got.job_id).toBe(jobId);
  await post(`/worker/jobs/${jobId}/steps/${got.step_name}/start`, { worker_id: workerId }).expect(
    200,
  );
}

async function workerStatus(workerId: string): Promise<string> {
  const res = await request(server.http).get('/api/workers').expect(200);
  return res.body.items.find((w: { worker_id: string }) => w.worker_id === workerId).status;
}

describe('recovery sweep', () => {
  it('marks a silent worker inactive and fails its running step; a heartbeat reactivates it', async () => {
    const worker = await d.registerWorker();
    const job = await d.execute('one');
    await claimStep(worker, job);
    await db.query(
      `UPDATE worker SET last_heartbeat = now() - interval '300 seconds' WHERE worker_id = $1`,
      [worker],
    );
    const report = await sweep.sweepOnce();
    expect(report.inactiveWorkers).toEqual([worker]);
    const view = await d.job(job);
    expect(view.status).toBe('failed');
    expect(view.steps[0]).toMatchObject({
      status: 'failed',
      error_message: `Worker heartbeat timeout (worker ${worker} unresponsive)`,
    });
    expect(await workerStatus(worker)).toBe('inactive');
    expect(await sweep.sweepOnce()).toEqual({
      inactiveWorkers: [],
      failedSteps: 0,
      cancelledJobs: 0,
      endedJobs: 0,
    });
    await post('/worker/heartbeat', { worker_id: worker }).expect(200);
    expect(await workerStatus(worker)).toBe('active');
  });

  it('lets a step of a dead worker retry as its policy allows', async () => {
    const worker = await d.registerWorker();
    const job = await d.execute('one-retry');
    await claimStep(worker, job);
    await db.query(`UPDATE worker SET status = 'inactive' WHERE worker_id = $1`, [worker]);
    await sweep.sweepOnce();
    const step = (await d.job(job)).steps[0] as unknown as {
      status: string;
      retry_history: { error: string }[];
    };
    expect(step.status).toBe('ready');
    expect(step.retry_history[0].error).toMatch(/heartbeat timeout/);
    await post(`/api/jobs/${job}/cancel`, {}).expect(200); // out of the next cases' way
  });

  it('fails a running step past its timeout (server-side enforcement)', async () => {
    const worker = await d.registerWorker();
    const job = await d.execute('one');
    await claimStep(worker, job);
    await db.query(
      `UPDATE job_step SET started_at = now() - interval '31 seconds' WHERE job_id = $1`,
      [job],
    );
    await sweep.sweepOnce();
    expect((await d.job(job)).steps[0]).toMatchObject({
      status: 'failed',
      error_message: 'Step timed out (server-side enforcement)',
    });
  });

  it('fails a suspended step past its timeout: Approval timed out', async () => {
    const job = await d.execute('one');
    await db.query(
      `UPDATE job_step SET status = 'suspended', suspended_at = now() - interval '1 hour'
        WHERE job_id = $1`,
      [job],
    );
    await sweep.sweepOnce();
    const view = await d.job(job);
    expect(view.steps[0]).toMatchObject({ status: 'failed', error_message: 'Approval timed out' });
    expect(view.status).toBe('failed');
  });

  it('cancels a job past its timeout; its running worker step is told to stop', async () => {
    const worker = await d.registerWorker();
    const job = await d.execute('slow-job');
    await claimStep(worker, job);
    await db.query(`UPDATE job SET created_at = now() - interval '2 hours' WHERE job_id = $1`, [
      job,
    ]);
    const report = await sweep.sweepOnce();
    expect(report.cancelledJobs).toBe(1);
    expect((await d.job(job)).status).toBe('cancelled');
    expect(await d.statuses(job)).toEqual({ s: 'running', t: 'cancelled' });
    const logs = (await request(server.http).get(`/api/jobs/${job}/logs`).expect(200)).body.logs;
    expect(logs).toContain('Job timed out after 3600s');
    await request(server.http)
      .get(`/worker/jobs/${job}/cancelled`)
      .expect(200, { cancelled: true });
    await d.fail(job, 's', 'Job cancelled');
    expect(await d.statuses(job)).toEqual({ s: 'cancelled', t: 'cancelled' });
  });

  it('fails a ready step no active worker can run, but not while a matching worker is active', async () => {
    const gpuWorker = await d.registerWorker(['script'], ['gpu']);
    const job = await d.execute('gpu-task');
    await db.query(
      `UPDATE job_step SET ready_at = now() - interval '60 seconds' WHERE job_id = $1`,
      [job],
    );
    await sweep.sweepOnce();
    expect(await d.statuses(job)).toEqual({ g: 'ready' });
    await db.query(`UPDATE worker SET status = 'inactive' WHERE worker_id = $1`, [gpuWorker]);
    await sweep.sweepOnce();
    expect((await d.job(job)).steps[0]).toMatchObject({
      status: 'failed',
      error_message: UNMATCHED_STEP_ERROR,
    });
  });
});

describe('terminal actions lost with the process that ended the job', () => {
  /** Hook jobs started for `jobId`. */
  async function hookJobsOf(jobId: string): Promise<string[]> {
    const res = await request(server.http).get('/api/jobs?source_type=hook&limit=1000').expect(200);
    return (res.body.items as { job_id: string; source_id: string | null }[])
      .filter((j) => j.source_id === jobId)
      .map((j) => j.job_id);
  }

  it('runs them once from the sweep, after a grace period', async () => {
    const job = await d.execute('hooked');
    // What a server leaves when it dies right after committing the job's end: the job and its
    // step completed, its terminal actions never claimed.
    await db.query(
      `UPDATE job_step SET status = 'completed', completed_at = now() WHERE job_id = $1`,
      [job],
    );
    await db.query(
      `UPDATE job SET status = 'completed', completed_at = now(), terminal_actions_at = NULL
        WHERE job_id = $1`,
      [job],
    );
    expect((await sweep.sweepOnce()).endedJobs).toBe(0);
    expect(await hookJobsOf(job)).toEqual([]);

    await db.query(
      `UPDATE job SET completed_at = now() - ($2 + 5) * interval '1 second' WHERE job_id = $1`,
      [job, TERMINAL_ACTIONS_GRACE_SECS],
    );
    expect((await sweep.sweepOnce()).endedJobs).toBe(1);
    expect(await hookJobsOf(job)).toHaveLength(1);
    expect((await sweep.sweepOnce()).endedJobs).toBe(0);
    expect(await hookJobsOf(job)).toHaveLength(1);
  });
});

describe('claim', () => {
  it('puts a step back to ready when the worker connection closed while it was claimed', async () => {
    const worker = await d.registerWorker(['script'], ['closing']);
    const job = await d.execute('one');
    const gone = new AbortController();
    gone.abort();
    const work = await server.app
      .get(StepClaimService)
      .claim(
        { workerId: worker, capabilities: ['script'], tags: ['closing'], exclusive: false },
        gone.signal,
      );
    expect(work).toBeNull();
    const step = (await d.job(job)).steps[0] as unknown as { status: string; worker_id: null };
    expect(step).toMatchObject({ status: 'ready', worker_id: null });
  });
  it("gives back a step whose claim answer never reached its worker, as the worker's heartbeat shows", async () => {
    const worker = await d.registerWorker(['script'], ['lost']);
    const job = await d.execute('lost-task');
    const got = (
      await post('/worker/jobs/claim', {
        worker_id: worker,
        capabilities: ['script'],
        tags: ['lost'],
        exclusive: true,
      }).expect(200)
    ).body;
    expect(got.job_id).toBe(job);
    const heartbeat = (running?: object[]) =>
      post('/worker/heartbeat', {
        worker_id: worker,
        ...(running ? { running_steps: running } : {}),
      }).expect(200);
    const status = async () => ((await d.job(job)).steps[0] as { status: string }).status;

    // A fresh claim may still be on its way to the worker: left alone.
    await heartbeat([]);
    expect(await status()).toBe('running');
    await db.query(
      `UPDATE job_step SET started_at = now() - ($2 + 5) * interval '1 second' WHERE job_id = $1`,
      [job, LOST_CLAIM_GRACE_SECS],
    );
    // The worker runs it, or is too old to say: left alone.
    await heartbeat([{ job_id: job, step_name: 's' }]);
    await heartbeat();
    expect(await status()).toBe('running');
    // The worker does not know it: ready again, for any worker.
    await heartbeat([]);
    expect((await d.job(job)).steps[0]).toMatchObject({ status: 'ready', worker_id: null });
    await post('/worker/heartbeat', { worker_id: worker, running_steps: [{ job_id: 'x' }] }).expect(
      400,
    );
  });
});
