// Cancellation (reference §2.17.10), step and task retries and timeouts (§2.17.4, §4.4),
// against a real database and real HTTP.
import request from 'supertest';
import type { DataSource } from 'typeorm';
import { Driver, startTestServer, type TestServer } from '../../testing/test-server';
import { DATA_SOURCE } from '../database/database.module';
import { JobEndedService, type JobEnding } from './job-ended.service';

const WORKFLOWS = `
actions:
  ok: { type: script, script: "true" }
tasks:
  two:
    flow:
      a: { action: ok }
      b: { action: ok, depends_on: [a] }
  retry-step:
    flow:
      s: { action: ok, retry: { max_attempts: 1, delay: 1s } }
  retry-cof:
    flow:
      s: { action: ok, continue_on_failure: true, retry: { max_attempts: 1, delay: 1s } }
      t: { action: ok, depends_on: [s] }
  retry-task:
    retry: { max_attempts: 1, delay: 1s }
    flow:
      s: { action: ok }
  timed:
    timeout: 1h
    flow:
      s: { action: ok, timeout: 30s }
  untimed:
    flow:
      s: { action: ok }
  loop-timeout:
    flow:
      each: { action: ok, for_each: [1, 2], timeout: 45s }
`;

let server: TestServer;
let d: Driver;
let db: DataSource;
const endings: JobEnding[] = [];

beforeAll(async () => {
  server = await startTestServer(
    { '.workflows/w.yaml': WORKFLOWS },
    { default_step_timeout: 600, default_job_timeout: 7200 },
  );
  d = new Driver(server);
  db = server.app.get(DATA_SOURCE);
  server.app.get(JobEndedService).onJobEnded((ending) => void endings.push(ending));
});
afterAll(() => server.close());

const cancel = (jobId: string) => request(server.http).post(`/api/jobs/${jobId}/cancel`);
const post = (path: string, body: object) => request(server.http).post(path).send(body);

async function claim(workerId: string) {
  return (
    await post('/worker/jobs/claim', {
      worker_id: workerId,
      capabilities: ['script'],
      tags: [],
    }).expect(200)
  ).body as { job_id: string | null; step_name: string | null };
}

/** Claims steps until it gets `step` of `jobId` (other specs' jobs may be ready too). */
async function claimStep(workerId: string, jobId: string, step: string): Promise<void> {
  for (let i = 0; i < 20; i++) {
    const got = await claim(workerId);
    if (got.job_id === jobId && got.step_name === step) return;
    if (got.job_id === null) break;
  }
  throw new Error(`could not claim ${jobId}/${step}`);
}

async function row<T>(sql: string, params: unknown[]): Promise<T> {
  return ((await db.query(sql, params)) as T[])[0];
}

async function logs(jobId: string): Promise<string> {
  return (await request(server.http).get(`/api/jobs/${jobId}/logs`).expect(200)).body.logs;
}

const endingsOf = (jobId: string) => endings.filter((e) => e.job.jobId === jobId);

describe('cancel', () => {
  it('cancels a pending job and its waiting steps at once; 409 the second time, 404 unknown', async () => {
    const job = await d.execute('two');
    await cancel(job).expect(200, { status: 'cancelled' });
    const view = await d.job(job);
    expect(view.status).toBe('cancelled');
    expect(await d.statuses(job)).toEqual({ a: 'cancelled', b: 'cancelled' });
    expect(await logs(job)).toContain('Job cancelled by user');
    expect(endingsOf(job)).toHaveLength(1);
    await cancel(job).expect(409, { error: 'Job is already in a terminal state' });
    await cancel('00000000-0000-4000-8000-000000000000').expect(404);
    await cancel('nope').expect(400);
  });

  it('cancels a suspended step', async () => {
    const job = await d.execute('untimed');
    await db.query(
      `UPDATE job_step SET status = 'suspended', suspended_at = now() WHERE job_id = $1`,
      [job],
    );
    await cancel(job).expect(200);
    expect(await d.statuses(job)).toEqual({ s: 'cancelled' });
  });

  it('fixes upstream §5.3 #12: a step killed by cancellation ends cancelled, not failed', async () => {
    const worker = await d.registerWorker();
    const job = await d.execute('two');
    await claimStep(worker, job, 'a');
    await cancel(job).expect(200);
    expect(await d.statuses(job)).toEqual({ a: 'running', b: 'cancelled' });
    await request(server.http)
      .get(`/worker/jobs/${job}/cancelled`)
      .expect(200, { cancelled: true });
    expect(endingsOf(job)).toHaveLength(0); // terminal actions wait for the killed step
    await post(`/worker/jobs/${job}/steps/a/complete`, {
      exit_code: -1,
      error: 'Job cancelled',
    }).expect(200);
    const view = await d.job(job);
    expect(view.status).toBe('cancelled');
    expect(view.steps[0]).toMatchObject({ status: 'cancelled', error_message: 'Job cancelled' });
    expect(endingsOf(job)).toHaveLength(1);
  });

  it('cancels child jobs recursively', async () => {
    const parent = await d.execute('untimed');
    const child = await d.execute('two');
    const grandchild = await d.execute('untimed');
    await db.query(`UPDATE job SET parent_job_id = $1, parent_step_name = 's' WHERE job_id = $2`, [
      parent,
      child,
    ]);
    await db.query(`UPDATE job SET parent_job_id = $1, parent_step_name = 'a' WHERE job_id = $2`, [
      child,
      grandchild,
    ]);
    await cancel(parent).expect(200);
    expect((await d.job(child)).status).toBe('cancelled');
    expect((await d.job(grandchild)).status).toBe('cancelled');
    expect(await logs(child)).toContain(`Job cancelled with its parent job ${parent}`);
  });
});

describe('step retry', () => {
  it('holds a retried step back until retry_at, then runs it again and succeeds on the 2nd attempt', async () => {
    const worker = await d.registerWorker(['script'], ['retry-wait']);
    const job = await d.execute('retry-step');
    await claimStep(worker, job, 's');
    await d.fail(job, 's', 'first try');
    const step = (await d.job(job)).steps[0] as unknown as {
      status: string;
      retry_attempt: number;
      retry_history: { attempt: number; error: string; started_at: string; failed_at: string }[];
    };
    expect(step).toMatchObject({ status: 'ready', retry_attempt: 1 });
    expect(step.retry_history).toEqual([
      {
        attempt: 1,
        error: 'first try',
        started_at: expect.any(String),
        failed_at: expect.any(String),
      },
    ]);
    expect(await logs(job)).toContain("[retry] Step 's' attempt 1/2 failed, retrying in 1s");
    const early = await claim(worker);
    expect(early.job_id === job && early.step_name === 's').toBe(false);
    await new Promise((r) => setTimeout(r, 1100));
    await claimStep(worker, job, 's');
    await d.complete(job, 's');
    expect((await d.job(job)).status).toBe('completed');
  });

  it('fails the job once retries are exhausted', async () => {
    const job = await d.execute('retry-step');
    await d.fail(job, 's', 'one');
    await d.fail(job, 's', 'two');
    const view = await d.job(job);
    expect(view.status).toBe('failed');
    expect(view.steps[0]).toMatchObject({ status: 'failed', error_message: 'two' });
    expect(await logs(job)).toContain("[retry] Step 's' failed, retries exhausted (1/1)");
  });

  it('retries a continue_on_failure step; its final failure does not fail the job', async () => {
    const job = await d.execute('retry-cof');
    await d.fail(job, 's');
    expect(await d.statuses(job)).toEqual({ s: 'ready', t: 'pending' });
    await d.fail(job, 's');
    // A tolerated failure: the job completes; the plain dependent is skipped.
    expect(await d.statuses(job)).toEqual({ s: 'failed', t: 'skipped' });
    expect((await d.job(job)).status).toBe('completed');
  });
});

describe('task retry', () => {
  it('fixes upstream §5.3 #2: task-level retry creates a linked retry job', async () => {
    const job = await d.execute('retry-task');
    expect(await row(`SELECT max_retries FROM job WHERE job_id = $1`, [job])).toEqual({
      max_retries: 1,
    });
    await d.fail(job, 's');
    const first = await row<{ status: string; retry_job_id: string | null }>(
      `SELECT status, retry_job_id FROM job WHERE job_id = $1`,
      [job],
    );
    expect(first.status).toBe('failed');
    const retry = first.retry_job_id as string;
    expect(retry).toMatch(/^[0-9a-f-]{36}$/);
    const view = (await request(server.http).get(`/api/jobs/${retry}`).expect(200)).body;
    expect(view).toMatchObject({
      task_name: 'retry-task',
      source_type: 'retry',
      retry_of_job_id: job,
      retry_attempt: 1,
      max_retries: 1,
      status: 'pending',
    });
    expect(Date.parse(view.steps[0].retry_at)).toBeGreaterThan(Date.now() - 100);
    expect(await logs(job)).toContain(`retrying as job ${retry} in 1s`);
    // Hooks of the first attempt are skipped: the ending carries the retry job.
    expect(endingsOf(job)).toEqual([expect.objectContaining({ retryJobId: retry })]);

    await d.fail(retry, 's');
    const last = await row<{ status: string; retry_job_id: string | null }>(
      `SELECT status, retry_job_id FROM job WHERE job_id = $1`,
      [retry],
    );
    expect(last).toEqual({ status: 'failed', retry_job_id: null });
    expect(endingsOf(retry)).toEqual([expect.objectContaining({ retryJobId: null })]);
    expect(await logs(retry)).toContain('[retry] Job attempt 2/2 failed, retries exhausted');
  });

  it('never task-retries a child job or a hook job', async () => {
    for (const patch of [`parent_job_id = $2`, `source_type = 'hook'`]) {
      const other = await d.execute('untimed');
      const job = await d.execute('retry-task');
      await db.query(
        `UPDATE job SET ${patch} WHERE job_id = $1`,
        patch.includes('$2') ? [job, other] : [job],
      );
      await d.fail(job, 's');
      const after = await row<{ status: string; retry_job_id: string | null }>(
        `SELECT status, retry_job_id FROM job WHERE job_id = $1`,
        [job],
      );
      expect(after).toEqual({ status: 'failed', retry_job_id: null });
      expect(endingsOf(job)).toEqual([expect.objectContaining({ retryJobId: null })]);
    }
  });
});

describe('timeouts', () => {
  it('applies the server defaults unless the task or step sets its own', async () => {
    const untimed = await d.execute('untimed');
    const timed = await d.execute('timed');
    const timeouts = (id: string) =>
      row(
        `SELECT j.timeout_secs AS job, s.timeout_secs AS step
           FROM job j JOIN job_step s USING (job_id) WHERE j.job_id = $1`,
        [id],
      );
    expect(await timeouts(untimed)).toEqual({ job: 7200, step: 600 });
    expect(await timeouts(timed)).toEqual({ job: 3600, step: 30 });
  });

  it('gives for_each instances the timeout of their loop step', async () => {
    const job = await d.execute('loop-timeout');
    const rows: { step_name: string; timeout_secs: number }[] = await db.query(
      `SELECT step_name, timeout_secs FROM job_step WHERE job_id = $1 ORDER BY step_name`,
      [job],
    );
    expect(rows).toEqual([
      { step_name: 'each', timeout_secs: 45 },
      { step_name: 'each[0]', timeout_secs: 45 },
      { step_name: 'each[1]', timeout_secs: 45 },
    ]);
  });
});
