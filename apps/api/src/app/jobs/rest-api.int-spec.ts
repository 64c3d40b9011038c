import request from 'supertest';
import { Driver, startTestServer, type TestServer } from '../../testing/test-server';

const WORKFLOWS = `
secrets:
  token: "s3cr3t-value"
actions:
  ok: { type: script, script: "true" }
tasks:
  deploy:
    name: Deploy
    description: Ships it.
    folder: ops
    input:
      env: { type: string, default: staging }
    flow:
      build: { action: ok, input: { key: "{{ secret.token }}" } }
      ship: { action: ok, depends_on: [build], timeout: 90 }
  broken-ref:
    flow:
      a: { action: does-not-exist }
triggers:
  nightly:
    type: scheduler
    cron: "0 0 3 * * *"
    task: deploy
    enabled: true
`;

let server: TestServer;
let d: Driver;

beforeAll(async () => {
  server = await startTestServer({ '.workflows/w.yaml': WORKFLOWS });
  d = new Driver(server);
});
afterAll(() => server.close());

const get = (path: string) => request(server.http).get(path);

describe('workspaces and tasks', () => {
  it('lists workspaces with counts and the validation errors it still serves', async () => {
    const res = await get('/api/workspaces').expect(200);
    expect(res.body).toEqual([
      expect.objectContaining({
        name: 'default',
        tasks_count: 2,
        actions_count: 1,
        triggers_count: 1,
        connections_count: 0,
        revision: expect.any(String),
        error: expect.stringMatching(/does-not-exist/),
      }),
    ]);
  });

  it('lists tasks by their YAML key, with triggers flagged', async () => {
    const res = await get('/api/workspaces/default/tasks').expect(200);
    expect(res.body).toContainEqual({
      id: 'deploy',
      name: 'Deploy',
      description: 'Ships it.',
      mode: 'distributed',
      workspace: 'default',
      folder: 'ops',
      has_triggers: true,
    });
    expect((await get('/api/tasks').expect(200)).body).toHaveLength(2);
    await get('/api/workspaces/nope/tasks').expect(404);
  });

  it('shows a task with its input, flow and triggers', async () => {
    const res = await get('/api/workspaces/default/tasks/deploy').expect(200);
    expect(res.body).toMatchObject({
      id: 'deploy',
      input: { env: { type: 'string', default: 'staging' } },
      flow: { ship: { action: 'ok', depends_on: ['build'], timeout: 90 } },
      triggers: [
        { name: 'nightly', type: 'scheduler', cron: '0 0 3 * * *', task: 'deploy', enabled: true },
      ],
    });
    expect(res.body.triggers[0].next_runs).toHaveLength(5);
    await get('/api/workspaces/default/tasks/nope').expect(404, {
      error: "Task 'nope' not found in workspace 'default'",
    });
  });

  it('serves the config and health', async () => {
    expect((await get('/api/config').expect(200)).body).toMatchObject({
      auth_required: false,
      acl_enabled: false,
    });
    await get('/healthz').expect(200, { status: 'ok', db: 'ok' });
  });
});

describe('execute', () => {
  const execute = (task: string) =>
    request(server.http).post(`/api/workspaces/default/tasks/${task}/execute`);

  it('rejects bodies that are not a JSON object with an object input', async () => {
    await execute('deploy').set('Content-Type', 'application/json').send('{nope').expect(400);
    await execute('deploy')
      .send({ input: [1] })
      .expect(400, { error: 'input must be a JSON object' });
    await execute('deploy').send([1]).expect(400);
  });

  it('answers 404 for an unknown workspace or task, 400 for a broken action reference', async () => {
    await request(server.http)
      .post('/api/workspaces/nope/tasks/deploy/execute')
      .send({})
      .expect(404);
    await execute('nope').send({}).expect(404);
    const res = await execute('broken-ref').send({}).expect(400);
    expect(res.body.error).toMatch(/action 'does-not-exist'/);
  });

  it('creates a job with defaults merged and the raw input kept', async () => {
    const jobId = (
      await execute('deploy')
        .send({ input: { extra: 1 } })
        .expect(200)
    ).body.job_id;
    const job = (await get(`/api/jobs/${jobId}`).expect(200)).body;
    expect(job).toMatchObject({
      job_id: jobId,
      workspace: 'default',
      task_name: 'deploy',
      mode: 'distributed',
      input: { env: 'staging', extra: 1 },
      raw_input: { extra: 1 },
      output: null,
      status: 'pending',
      source_type: 'api',
      source_id: null,
      worker_id: null,
      started_at: null,
      retry_attempt: 0,
    });
    expect(job.created_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(job.steps.map((s: { step_name: string }) => s.step_name)).toEqual(['build', 'ship']);
    expect(job.steps[1]).toMatchObject({
      status: 'pending',
      depends_on: ['build'],
      runner: 'local',
      retry_history: [],
    });
  });
});

describe('jobs', () => {
  it('lists newest first with filters, search and paging', async () => {
    const first = await d.execute('deploy');
    const second = await d.execute('deploy');
    const all = (await get('/api/jobs?limit=2').expect(200)).body;
    expect(all.items.map((j: { job_id: string }) => j.job_id)).toEqual([second, first]);
    expect(all.total).toBeGreaterThanOrEqual(2);
    expect(Object.keys(all.items[0]).sort()).toEqual(
      [
        'job_id',
        'workspace',
        'task_name',
        'mode',
        'status',
        'source_type',
        'source_id',
        'revision',
        'created_at',
        'started_at',
        'completed_at',
        'retry_of_job_id',
        'retry_job_id',
        'retry_attempt',
        'max_retries',
      ].sort(),
    );
    expect(
      (await get(`/api/jobs?search=${first.slice(0, 8)}`).expect(200)).body.items[0].job_id,
    ).toBe(first);
    expect((await get('/api/jobs?status=failed').expect(200)).body.total).toBe(0);
    await get('/api/jobs?status=bogus').expect(400);
    await get(`/api/jobs?search=${'x'.repeat(201)}`).expect(400);
    await get('/api/jobs?task_name=deploy').expect(400);
    await get('/api/jobs?limit=-1').expect(400);
  });

  it('answers 400 for an invalid job id and 404 for an unknown one', async () => {
    await get('/api/jobs/not-a-uuid').expect(400, { error: 'Invalid job ID' });
    await get('/api/jobs/00000000-0000-0000-0000-000000000000').expect(404, {
      error: 'Job not found',
    });
    await get('/api/jobs/not-a-uuid/logs').expect(400);
  });

  it('hides secret values in job details', async () => {
    const jobId = await d.execute('deploy');
    const worker = await d.registerWorker();
    // Older jobs of this file are ready too; claim until this one's step is rendered.
    for (let claimed = ''; claimed !== jobId;) {
      const res = await request(server.http)
        .post('/worker/jobs/claim')
        .send({ worker_id: worker, capabilities: ['script'], tags: [] })
        .expect(200);
      expect(res.body.job_id).not.toBeNull();
      claimed = res.body.job_id;
    }
    const job = (await get(`/api/jobs/${jobId}`).expect(200)).body;
    expect(job.steps[0].input).toEqual({ key: '••••••' });
  });

  it('counts jobs per status', async () => {
    const stats = (await get('/api/stats').expect(200)).body;
    expect(Object.keys(stats).sort()).toEqual([
      'cancelled',
      'completed',
      'failed',
      'pending',
      'running',
      'skipped',
    ]);
    expect(Object.values(stats).reduce((a: number, b) => a + (b as number), 0)).toBeGreaterThan(0);
  });

  it('answers unknown routes with the one error shape', async () => {
    const res = await get('/api/nope').expect(404);
    expect(res.body).toEqual({ error: expect.any(String) });
  });
});
