import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import type { DataSource } from 'typeorm';
import { createTestDatabase, type TestDatabase } from '../../testing';
import { createDataSource } from '../data-source';
import { STEP_READY_CHANNEL } from '../step-ready-notice';
import { ClaimRepository, type ClaimRequest } from './claim.repository';
import { jobRow, stepRow } from './fixture-rows';
import { JobRepository } from './job.repository';
import { WorkerRepository } from './worker.repository';

let db: TestDatabase;
let ds: DataSource;
let claims: ClaimRepository;
let jobs: JobRepository;
let workerId: string;

beforeAll(async () => {
  db = await createTestDatabase();
  ds = createDataSource(db.url);
  await ds.initialize();
  claims = new ClaimRepository(ds);
  jobs = new JobRepository(ds);
  workerId = await new WorkerRepository(ds).register({
    name: 'w',
    capabilities: ['script'],
    tags: [],
    exclusive: false,
    version: null,
  });
});

afterAll(async () => {
  await ds.destroy();
  await db.drop();
});

beforeEach(async () => {
  await ds.query('DELETE FROM job');
});

function request(patch: Partial<ClaimRequest> = {}): ClaimRequest {
  return { workerId, capabilities: ['script'], tags: [], exclusive: false, ...patch };
}

async function insertJob(
  steps: Parameters<typeof stepRow>[2][],
  names?: string[],
): Promise<string> {
  const job = jobRow();
  await jobs.insert(
    job,
    steps.map((patch, i) => stepRow(job.jobId, names?.[i] ?? `s${i}`, patch)),
  );
  return job.jobId;
}

describe('ClaimRepository.claim', () => {
  it('claims a ready step, marks it running for the worker and the job running', async () => {
    const jobId = await insertJob([{}]);
    const claimed = await claims.claim(request());
    expect(claimed?.step).toMatchObject({ jobId, stepName: 's0', status: 'running', workerId });
    expect(claimed?.step.startedAt).toBeInstanceOf(Date);
    expect(claimed).toMatchObject({ workspace: 'default', taskName: 'hello', revision: 'rev1' });
    expect((await jobs.find(jobId))?.status).toBe('running');
    expect(await claims.claim(request())).toBeNull();
  });

  it('leaves pending steps and steps of other abilities alone', async () => {
    await insertJob([{ status: 'pending' }, { requiredAbility: 'docker', runner: 'docker' }]);
    expect(await claims.claim(request())).toBeNull();
    expect(
      (await claims.claim(request({ capabilities: ['script', 'docker'] })))?.step.stepName,
    ).toBe('s1');
  });

  it('needs every tag of the step among the worker tags', async () => {
    await insertJob([{ requiredTags: ['gpu', 'eu'] }]);
    expect(await claims.claim(request({ tags: ['gpu'] }))).toBeNull();
    expect(await claims.claim(request({ tags: ['eu', 'gpu', 'big'] }))).not.toBeNull();
  });

  it('gives an exclusive worker only steps that ask for all of its tags', async () => {
    await insertJob([{ requiredTags: [] }, { requiredTags: ['gpu'] }]);
    const exclusive = request({ tags: ['gpu'], exclusive: true });
    expect((await claims.claim(exclusive))?.step.stepName).toBe('s1');
    expect(await claims.claim(exclusive)).toBeNull();
    expect((await claims.claim(request({ tags: ['gpu'] })))?.step.stepName).toBe('s0');
  });

  it('waits for retry_at to pass', async () => {
    await insertJob([
      { retryAt: new Date(Date.now() + 60_000) },
      { retryAt: new Date(Date.now() - 1000) },
    ]);
    expect((await claims.claim(request()))?.step.stepName).toBe('s1');
    expect(await claims.claim(request())).toBeNull();
  });

  it('never hands out server-dispatched steps', async () => {
    await insertJob([
      { actionType: 'task', requiredAbility: '' },
      { actionType: 'approval', requiredAbility: '' },
    ]);
    expect(await claims.claim(request({ capabilities: ['script', ''] }))).toBeNull();
  });

  it('hands out the step that became ready first', async () => {
    const now = Date.now();
    await insertJob(
      [
        { readyAt: new Date(now) },
        { readyAt: new Date(now - 5000) },
        { readyAt: new Date(now - 1000) },
      ],
      ['a', 'b', 'c'],
    );
    const order = [];
    for (let i = 0; i < 3; i++) order.push((await claims.claim(request()))?.step.stepName);
    expect(order).toEqual(['b', 'c', 'a']);
  });

  it('never gives the same step to two concurrent claims', async () => {
    await insertJob(Array.from({ length: 20 }, () => ({})));
    const results = await Promise.all(Array.from({ length: 40 }, () => claims.claim(request())));
    const names = results.filter((r) => r !== null).map((r) => r?.step.stepName);
    expect(names).toHaveLength(20);
    expect(new Set(names).size).toBe(20);
  });
});

describe('JobRepository.insert', () => {
  it('writes the job and its steps, and notifies listeners when a step is ready', async () => {
    const listener = new Client({ connectionString: db.url });
    await listener.connect();
    const heard: string[] = [];
    listener.on('notification', (n) => heard.push(n.payload ?? ''));
    await listener.query(`LISTEN ${STEP_READY_CHANNEL}`);

    const pendingOnly = await insertJob([{ status: 'pending' }]);
    const withReady = await insertJob([{ status: 'ready' }, { status: 'pending' }]);
    await listener.query('SELECT 1'); // notifications arrive before the next round trip ends
    await listener.end();

    expect(heard).toEqual([withReady]);
    expect((await jobs.findWithSteps(pendingOnly))?.steps).toHaveLength(1);
    expect((await jobs.findWithSteps(withReady))?.steps.map((s) => s.stepName).sort()).toEqual([
      's0',
      's1',
    ]);
  });

  it('writes nothing when a step row is invalid', async () => {
    const job = jobRow();
    await expect(
      jobs.insert(job, [stepRow(job.jobId, 'a'), stepRow(job.jobId, 'a')]),
    ).rejects.toThrow();
    expect(await jobs.find(job.jobId)).toBeNull();
  });
});

describe('JobRepository lists', () => {
  it('filters, searches and pages newest first', async () => {
    const base = Date.now();
    const rows = [
      jobRow({ taskName: 'build', createdAt: new Date(base - 3000), status: 'completed' }),
      jobRow({
        taskName: 'deploy',
        createdAt: new Date(base - 2000),
        sourceType: 'trigger',
        sourceId: 'default/nightly',
      }),
      jobRow({ taskName: 'build', workspace: 'other', createdAt: new Date(base - 1000) }),
    ];
    for (const r of rows) await jobs.insert(r, []);
    const all = await jobs.list({ limit: 50, offset: 0 });
    expect(all.total).toBe(3);
    expect(all.items.map((j) => j.jobId)).toEqual([rows[2].jobId, rows[1].jobId, rows[0].jobId]);
    expect((await jobs.list({ workspace: 'default', limit: 50, offset: 0 })).total).toBe(2);
    expect((await jobs.list({ status: 'completed', limit: 50, offset: 0 })).items[0].jobId).toBe(
      rows[0].jobId,
    );
    expect((await jobs.list({ sourceType: 'trigger', limit: 50, offset: 0 })).total).toBe(1);
    expect((await jobs.list({ search: 'NIGHT', limit: 50, offset: 0 })).total).toBe(1);
    expect((await jobs.list({ search: '100%', limit: 50, offset: 0 })).total).toBe(0);
    const page = await jobs.list({ limit: 1, offset: 1 });
    expect(page).toMatchObject({ total: 3, items: [{ jobId: rows[1].jobId }] });
  });

  it('counts jobs per status, zero for the absent ones', async () => {
    await jobs.insert(jobRow({ status: 'failed' }), []);
    await jobs.insert(jobRow({ status: 'failed' }), []);
    expect(await jobs.countByStatus()).toEqual({
      pending: 0,
      running: 0,
      completed: 0,
      failed: 2,
      cancelled: 0,
      skipped: 0,
    });
  });
});

describe('WorkerRepository', () => {
  it('registers, heartbeats and lists workers', async () => {
    const workers = new WorkerRepository(ds);
    const id = await workers.register({
      name: 'b',
      capabilities: ['docker'],
      tags: ['x'],
      exclusive: true,
      version: '1',
    });
    expect(await workers.heartbeat(id)).toBe(true);
    expect(await workers.heartbeat(randomUUID())).toBe(false);
    const { items, total } = await workers.list(50, 0);
    expect(total).toBeGreaterThanOrEqual(2);
    expect(items.find((w) => w.workerId === id)).toMatchObject({
      name: 'b',
      tags: ['x'],
      exclusive: true,
      status: 'active',
    });
  });
});
