import request from 'supertest';
import { Driver, startTestServer, type TestServer } from '../../testing/test-server';
import { ClaimWaiters } from './claim-waiters.service';

const TOKEN = 'x'.repeat(40);
const WORKFLOWS = `
actions:
  greet:
    type: script
    script: 'echo "Hello {{ input.name }}"'
    input:
      name: { type: string, default: World }
  broken:
    type: script
    script: 'echo {{ input.missing.deeper }}'
  gpu-only: { type: script, script: "true", tags: [gpu] }
tasks:
  hello:
    input:
      name: { type: string, default: Ada }
    flow:
      greet: { action: greet, input: { name: "{{ input.name }}" } }
      again: { action: greet, depends_on: [greet], input: { name: "{{ greet.output.who }}" } }
  broken:
    flow:
      bad: { action: broken }
  gpu:
    flow:
      train: { action: gpu-only }
`;

let server: TestServer;
let d: Driver;
const auth = { Authorization: `Bearer ${TOKEN}` };

beforeAll(async () => {
  server = await startTestServer({ '.workflows/w.yaml': WORKFLOWS }, { worker_token: TOKEN });
  d = new Driver(server);
});
afterAll(() => server.close());

function post(path: string, body: object) {
  return request(server.http).post(path).set(auth).send(body);
}

async function register(capabilities = ['script'], tags: string[] = []): Promise<string> {
  const res = await post('/worker/register', { name: 'w', capabilities, tags }).expect(200);
  return res.body.worker_id;
}

describe('worker auth', () => {
  it('answers 401 without the right bearer token', async () => {
    await request(server.http)
      .post('/worker/register')
      .send({ name: 'w', capabilities: ['script'] })
      .expect(401, { error: 'Unauthorized' });
    await request(server.http)
      .post('/worker/register')
      .set('Authorization', `Bearer ${'y'.repeat(40)}`)
      .send({ name: 'w', capabilities: ['script'] })
      .expect(401);
  });
});

describe('register and heartbeat', () => {
  it('registers with capabilities and rejects bad registrations', async () => {
    const id = await register();
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    await post('/worker/heartbeat', { worker_id: id }).expect(200, { status: 'ok' });
    await post('/worker/register', { name: 'w', capabilities: [] }).expect(400);
    await post('/worker/register', { name: 'w', capabilities: ['teleport'] }).expect(400);
    await post('/worker/register', {
      name: 'w',
      capabilities: ['script'],
      tags: ['docker'],
    }).expect(400);
    const legacy = await post('/worker/register', { name: 'w', tags: ['script', 'eu'] }).expect(
      200,
    );
    const workers = await request(server.http).get('/api/workers').expect(200);
    expect(
      workers.body.items.find((w: { worker_id: string }) => w.worker_id === legacy.body.worker_id),
    ).toMatchObject({
      capabilities: ['script'],
      tags: ['eu'],
      status: 'active',
    });
  });
});

describe('claim', () => {
  it('answers all-null fields when there is no work', async () => {
    const worker = await register(['docker']);
    const res = await post('/worker/jobs/claim', {
      worker_id: worker,
      capabilities: ['docker'],
      tags: [],
    }).expect(200);
    expect(res.body).toEqual({
      workspace: null,
      job_id: null,
      task_name: null,
      step_name: null,
      action_name: null,
      action_type: null,
      action_image: null,
      action_spec: null,
      input: null,
      runner: null,
    });
    await post('/worker/jobs/claim', { worker_id: worker, capabilities: [], tags: [] }).expect(400);
  });

  it('runs a job end to end: claim renders templates, logs append, completion promotes', async () => {
    const worker = await register();
    const jobId = await d.execute('hello', { name: 'Bo' });
    const claim = { worker_id: worker, capabilities: ['script'], tags: [] };
    const first = (await post('/worker/jobs/claim', claim).expect(200)).body;
    expect(first).toMatchObject({
      workspace: 'default',
      job_id: jobId,
      task_name: 'hello',
      step_name: 'greet',
      action_name: 'greet',
      action_type: 'script',
      runner: 'local',
      input: { name: 'Bo' },
      action_spec: { type: 'script', script: 'echo "Hello Bo"' },
    });
    expect(typeof first.revision).toBe('string');
    await post(`/worker/jobs/${jobId}/steps/greet/start`, { worker_id: worker }).expect(200);
    await post(`/worker/jobs/${jobId}/logs`, {
      step_name: 'greet',
      lines: [{ ts: '2026-01-01T00:00:00Z', stream: 'stdout', line: 'Hello Bo' }],
    }).expect(200);
    await post(`/worker/jobs/${jobId}/steps/greet/complete`, {
      exit_code: 0,
      output: { who: 'Cy' },
    }).expect(200);
    const second = (await post('/worker/jobs/claim', claim).expect(200)).body;
    expect(second).toMatchObject({ step_name: 'again', input: { name: 'Cy' } });
    await post(`/worker/jobs/${jobId}/steps/again/complete`, { exit_code: 0 }).expect(200);

    const job = (await request(server.http).get(`/api/jobs/${jobId}`).expect(200)).body;
    expect(job).toMatchObject({ status: 'completed', worker_id: worker });
    expect(job.steps[0]).toMatchObject({
      step_name: 'greet',
      input: { name: 'Bo' },
      worker_id: worker,
    });
    const logs = (await request(server.http).get(`/api/jobs/${jobId}/steps/greet/logs`).expect(200))
      .body.logs;
    expect(logs).toBe(
      '{"ts":"2026-01-01T00:00:00Z","stream":"stdout","step":"greet","line":"Hello Bo"}\n',
    );
    await request(server.http)
      .get(`/worker/jobs/${jobId}/cancelled`)
      .set(auth)
      .expect(200, { cancelled: false });
  });

  it('routes by tags', async () => {
    const plain = await register();
    const gpu = await register(['script'], ['gpu']);
    const jobId = await d.execute('gpu');
    const none = await post('/worker/jobs/claim', {
      worker_id: plain,
      capabilities: ['script'],
      tags: [],
    });
    expect(none.body.job_id).toBeNull();
    const got = await post('/worker/jobs/claim', {
      worker_id: gpu,
      capabilities: ['script'],
      tags: ['gpu'],
    });
    expect(got.body).toMatchObject({ job_id: jobId, step_name: 'train' });
  });

  it('fails the step and the job on a template error (422), and keeps serving', async () => {
    const worker = await register();
    const jobId = await d.execute('broken');
    const res = await post('/worker/jobs/claim', {
      worker_id: worker,
      capabilities: ['script'],
      tags: [],
    }).expect(422);
    expect(res.body.error).toMatch(/Step 'bad' of job .*: template error/);
    const job = (await request(server.http).get(`/api/jobs/${jobId}`).expect(200)).body;
    expect(job.status).toBe('failed');
    expect(job.steps[0].error_message).toMatch(/^template error/);
    const logs = (await request(server.http).get(`/api/jobs/${jobId}/logs`).expect(200)).body.logs;
    expect(logs).toContain('"step":"_server"');
    await request(server.http).get('/healthz').expect(200, { status: 'ok', db: 'ok' });
  });

  it('parks a long-poll claim and answers it as soon as a step becomes ready', async () => {
    const worker = await register(['docker', 'script'], ['longpoll']);
    const waiters = server.app.get(ClaimWaiters);
    const parkedBefore = waiters.parkedCount;
    const claim = post('/worker/jobs/claim', {
      worker_id: worker,
      capabilities: ['script'],
      tags: ['longpoll'],
      wait_secs: 30,
    }).then((r) => r);
    const events: string[] = [];
    const answered = claim.then((r) => {
      events.push('answered');
      return r;
    });
    while (waiters.parkedCount <= parkedBefore) await new Promise((r) => setTimeout(r, 10));
    events.push('parked');
    const jobId = await d.execute('hello');
    events.push('created');
    const res = await answered;
    expect(events).toEqual(['parked', 'created', 'answered']);
    expect(res.body).toMatchObject({ job_id: jobId, step_name: 'greet' });
  });

  it('answers a long-poll with no work when its wait runs out', async () => {
    const worker = await register(['kubernetes']);
    const res = await post('/worker/jobs/claim', {
      worker_id: worker,
      capabilities: ['kubernetes'],
      tags: [],
      wait_secs: 0.2,
    }).expect(200);
    expect(res.body.job_id).toBeNull();
    await post('/worker/jobs/claim', {
      worker_id: worker,
      capabilities: ['kubernetes'],
      wait_secs: 31,
    }).expect(400);
  });
});

describe('workspace tarball', () => {
  it('serves the current revision with an ETag and answers 304 to it', async () => {
    const res = await request(server.http)
      .get('/worker/workspace/default.tar.gz')
      .set(auth)
      .expect(200);
    const revision = res.headers['x-revision'];
    expect(res.headers['etag']).toBe(`"${revision}"`);
    expect(res.headers['content-type']).toMatch(/application\/gzip/);
    await request(server.http)
      .get('/worker/workspace/default.tar.gz')
      .set(auth)
      .set('If-None-Match', `"${revision}"`)
      .expect(304);
    await request(server.http)
      .get(`/worker/workspace/default.tar.gz?revision=${revision}`)
      .set(auth)
      .expect(200);
    await request(server.http)
      .get('/worker/workspace/default.tar.gz?revision=nope')
      .set(auth)
      .expect(404);
    await request(server.http).get('/worker/workspace/other.tar.gz').set(auth).expect(404);
  });
});
