// Webhooks (reference §3.3, §4.4 webhook cases) against a real database over real HTTP.
import { JobRepository } from '@stroem/db';
import request from 'supertest';
import { Driver, startTestServer, type TestServer } from '../../testing/test-server';

const WORKFLOWS = `
actions:
  ok: { type: script, script: "true" }
tasks:
  handle:
    input:
      env: { type: string, default: "dev" }
      region: { type: string, default: "eu" }
    flow:
      a: { action: ok }
  other:
    flow:
      a: { action: ok }
triggers:
  open:
    type: webhook
    name: open
    task: handle
  guarded:
    type: webhook
    name: guarded
    task: handle
    secret: "s3cret-value"
  merging:
    type: webhook
    name: merging
    task: handle
    input: { body: "not-mine", method: "PUT", env: "prod", extra: 7 }
  off:
    type: webhook
    name: off
    task: handle
    enabled: false
  waits:
    type: webhook
    name: waits
    task: handle
    mode: sync
    timeout_secs: 1
  waits-long:
    type: webhook
    name: waits-long
    task: handle
    mode: sync
    timeout_secs: 20
  second:
    type: webhook
    name: second
    task: handle
  broken:
    type: webhook
    name: broken
    task: missing-task
`;

describe('webhooks /hooks/{name}', () => {
  let server: TestServer;
  let driver: Driver;
  let jobs: JobRepository;

  beforeAll(async () => {
    server = await startTestServer({ '.workflows/main.yaml': WORKFLOWS });
    driver = new Driver(server);
    jobs = server.app.get(JobRepository);
  });
  afterAll(() => server.close());

  const job = async (id: string) => {
    const row = await jobs.find(id);
    if (!row) throw new Error(`job ${id} missing`);
    return row;
  };

  it('async POST with a JSON body: 200 {job_id, trigger, task}, body parsed, source tracked', async () => {
    const res = await request(server.http)
      .post('/hooks/open?ref=main&secret=ignored')
      .set('X-Custom', 'yes')
      .send({ hello: 'world', n: 1 })
      .expect(200);
    expect(Object.keys(res.body).sort()).toEqual(['job_id', 'task', 'trigger']);
    expect(res.body).toMatchObject({ trigger: 'open', task: 'handle' });
    const row = await job(res.body.job_id);
    expect(row.sourceType).toBe('webhook');
    expect(row.sourceId).toBe('default/open');
    expect(row.revision).toEqual(expect.any(String));
    expect(row.input).toMatchObject({
      body: { hello: 'world', n: 1 },
      method: 'POST',
      query: { ref: 'main' },
      headers: expect.objectContaining({ 'x-custom': 'yes' }),
      env: 'dev',
      region: 'eu',
    });
    expect((row.input?.['query'] as Record<string, unknown>)['secret']).toBeUndefined();
  });

  it('a plain-text body is kept as a string; invalid JSON falls back to the raw text', async () => {
    const text = await request(server.http)
      .post('/hooks/open')
      .set('Content-Type', 'text/plain')
      .send('just some text')
      .expect(200);
    expect((await job(text.body.job_id)).input?.['body']).toBe('just some text');
    const bad = await request(server.http)
      .post('/hooks/open')
      .set('Content-Type', 'application/json')
      .send('{not json')
      .expect(200);
    expect((await job(bad.body.job_id)).input?.['body']).toBe('{not json');
  });

  it('an empty POST body is null', async () => {
    const res = await request(server.http).post('/hooks/open').expect(200);
    expect((await job(res.body.job_id)).input?.['body']).toBeNull();
  });

  it('GET: body null, method GET, query kept', async () => {
    const res = await request(server.http).get('/hooks/open?a=1&b=two').expect(200);
    const input = (await job(res.body.job_id)).input;
    expect(input).toMatchObject({ body: null, method: 'GET', query: { a: '1', b: 'two' } });
  });

  it('secret via Authorization: Bearer and via ?secret=', async () => {
    await request(server.http)
      .post('/hooks/guarded')
      .set('Authorization', 'Bearer s3cret-value')
      .send({})
      .expect(200);
    await request(server.http).post('/hooks/guarded?secret=s3cret-value').send({}).expect(200);
    await request(server.http).get('/hooks/guarded?secret=s3cret-value').expect(200);
  });

  it('401 Invalid or missing secret for a wrong or absent secret', async () => {
    const wrong = await request(server.http)
      .post('/hooks/guarded')
      .set('Authorization', 'Bearer nope')
      .send({})
      .expect(401);
    expect(wrong.body).toEqual({ error: 'Invalid or missing secret' });
    await request(server.http).post('/hooks/guarded?secret=nope').send({}).expect(401);
    const missing = await request(server.http).post('/hooks/guarded').send({}).expect(401);
    expect(missing.body).toEqual({ error: 'Invalid or missing secret' });
  });

  it('a public webhook needs no secret', async () => {
    await request(server.http).post('/hooks/open').send({}).expect(200);
  });

  it('disabled and unknown webhooks are 404', async () => {
    const off = await request(server.http).post('/hooks/off').send({}).expect(404);
    expect(off.body).toEqual({ error: expect.any(String) });
    await request(server.http).post('/hooks/no-such-hook').send({}).expect(404);
    await request(server.http).get('/hooks/no-such-hook').expect(404);
  });

  it('input merging: trigger input under the reserved keys, task defaults last', async () => {
    const res = await request(server.http).post('/hooks/merging').send({ x: 1 }).expect(200);
    const input = (await job(res.body.job_id)).input;
    expect(input).toMatchObject({
      body: { x: 1 },
      method: 'POST',
      env: 'prod',
      extra: 7,
      region: 'eu',
    });
  });

  it('sync mode: 202 {status: running} when the job outlives timeout_secs', async () => {
    const res = await request(server.http).post('/hooks/waits').send({}).expect(202);
    expect(res.body).toMatchObject({ trigger: 'waits', task: 'handle', status: 'running' });
    expect(res.body.job_id).toEqual(expect.any(String));
  });

  it('sync mode: 200 with status and output once the job ends (no polling)', async () => {
    const pending = request(server.http).post('/hooks/waits-long').send({});
    const sent = pending.then((r) => r);
    // Find the job the webhook created and complete its step.
    let jobId: string | undefined;
    for (let i = 0; i < 100 && !jobId; i++) {
      await new Promise((r) => setTimeout(r, 50));
      const list = await jobs.list({ sourceType: 'webhook', limit: 50, offset: 0 });
      jobId = list.items.find(
        (j) => j.sourceId === 'default/waits-long' && j.status !== 'completed',
      )?.jobId;
    }
    expect(jobId).toBeDefined();
    const started = Date.now();
    await driver.complete(jobId as string, 'a', { answer: 42 });
    const res = await sent;
    expect(Date.now() - started).toBeLessThan(5000);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      job_id: jobId,
      trigger: 'waits-long',
      task: 'handle',
      status: 'completed',
      output: { a: { answer: 42 } },
    });
  });

  it('job-creation failure is 500 {error}', async () => {
    const res = await request(server.http).post('/hooks/broken').send({}).expect(500);
    expect(res.body).toEqual({ error: expect.stringContaining('missing-task') });
  });

  it('a 10 MB body is 413 {error}, and the server keeps serving', async () => {
    const big = Buffer.alloc(10 * 1024 * 1024, 'a');
    const res = await request(server.http)
      .post('/hooks/open')
      .set('Content-Type', 'text/plain')
      .send(big.toString('utf8'));
    expect(res.status).toBe(413);
    expect(res.body).toEqual({ error: expect.any(String) });
    await request(server.http).post('/hooks/open').send({ ok: true }).expect(200);
  });

  it('the API keeps its own JSON limit (a 1.5 MB JSON body is not refused there)', async () => {
    const res = await request(server.http)
      .post('/api/workspaces/default/tasks/other/execute')
      .send({ input: { blob: 'x'.repeat(1.5 * 1024 * 1024) } });
    expect(res.status).toBe(200);
  });

  describe('GET /hooks/{name}/jobs/{job_id}', () => {
    it('returns the job with Cache-Control: no-store', async () => {
      const fired = await request(server.http).post('/hooks/open').send({}).expect(200);
      const res = await request(server.http)
        .get(`/hooks/open/jobs/${fired.body.job_id}`)
        .expect(200);
      expect(res.headers['cache-control']).toBe('no-store');
      expect(res.body).toMatchObject({
        job_id: fired.body.job_id,
        trigger: 'open',
        task: 'handle',
        status: expect.any(String),
        output: null,
        created_at: expect.any(String),
        completed_at: null,
      });
    });

    it('400 for a bad uuid', async () => {
      await request(server.http).get('/hooks/open/jobs/not-a-uuid').expect(400);
    });

    it('IDOR: another webhook’s job and an API job are 404', async () => {
      const other = await request(server.http).post('/hooks/second').send({}).expect(200);
      await request(server.http).get(`/hooks/open/jobs/${other.body.job_id}`).expect(404);
      const apiJob = await driver.execute('handle');
      await request(server.http).get(`/hooks/open/jobs/${apiJob}`).expect(404);
      await request(server.http)
        .get('/hooks/open/jobs/00000000-0000-4000-8000-000000000000')
        .expect(404);
    });

    it('the same secret rules apply', async () => {
      const fired = await request(server.http)
        .post('/hooks/guarded')
        .set('Authorization', 'Bearer s3cret-value')
        .send({})
        .expect(200);
      await request(server.http).get(`/hooks/guarded/jobs/${fired.body.job_id}`).expect(401);
      await request(server.http)
        .get(`/hooks/guarded/jobs/${fired.body.job_id}?secret=s3cret-value`)
        .expect(200);
    });

    it('wait on a terminal job answers 200 at once; wait on a running job times out with 202', async () => {
      const fired = await request(server.http).post('/hooks/open').send({}).expect(200);
      const running = await request(server.http)
        .get(`/hooks/open/jobs/${fired.body.job_id}?wait=true&timeout=1`)
        .expect(202);
      expect(running.body.status).not.toBe('completed');
      await driver.complete(fired.body.job_id, 'a', { v: 1 });
      const done = await request(server.http)
        .get(`/hooks/open/jobs/${fired.body.job_id}?wait=true&timeout=30`)
        .expect(200);
      expect(done.body).toMatchObject({ status: 'completed', output: { a: { v: 1 } } });
      expect(done.body.completed_at).toEqual(expect.any(String));
    });

    it('wait wakes when the job ends, and cancelled counts as terminal', async () => {
      const fired = await request(server.http).post('/hooks/open').send({}).expect(200);
      const waiting = request(server.http)
        .get(`/hooks/open/jobs/${fired.body.job_id}?wait=true&timeout=30`)
        .then((r) => r);
      await new Promise((r) => setTimeout(r, 200));
      await request(server.http).post(`/api/jobs/${fired.body.job_id}/cancel`).expect(200);
      const res = await waiting;
      expect(res.status).toBe(200);
      expect(res.body.status).toBe('cancelled');
    });
  });
});
