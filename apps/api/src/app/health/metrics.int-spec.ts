// `/metrics` (reference §3.5) against a real database: counters by label after real jobs,
// route patterns as labels, and who may scrape.
import request from 'supertest';
import type { DataSource } from 'typeorm';
import { Driver, startTestServer, type TestServer } from '../../testing/test-server';
import { DATA_SOURCE } from '../database/database.module';
import { JobEndedService } from '../orchestrator/job-ended.service';

const WORKFLOWS = `
actions:
  ok: { type: script, script: "true" }
tasks:
  one:
    flow:
      a: { action: ok }
`;
const WORKER_TOKEN = 'worker-token-0123456789abcdef-0123456789';
const METRICS_TOKEN = 'metrics-token-0123456789abcdef-012345678';

/** The value of the one sample of `name` whose labels include `labels`; undefined if none. */
function sample(
  text: string,
  name: string,
  labels: Record<string, string> = {},
): number | undefined {
  for (const line of text.split('\n')) {
    const m = /^([a-z_:]+)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = Object.fromEntries(
      [...(m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((l) => [l[1], l[2]]),
    );
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) return Number(m[3]);
  }
  return undefined;
}

describe('GET /metrics', () => {
  let server: TestServer;
  let d: Driver;

  beforeAll(async () => {
    server = await startTestServer({ '.workflows/w.yaml': WORKFLOWS });
    d = new Driver(server);
  });
  afterAll(() => server.close());

  const scrape = async () => (await request(server.http).get('/metrics').expect(200)).text;

  it('counts jobs created by source type and completed by status, once per job', async () => {
    const done = await d.execute('one');
    const failed = await d.execute('one');
    await d.complete(done, 'a');
    await d.fail(failed, 'a');

    let text = await scrape();
    expect(sample(text, 'stroem_jobs_created_total', { source_type: 'api' })).toBe(2);
    expect(sample(text, 'stroem_jobs_completed_total', { status: 'completed' })).toBe(1);
    expect(sample(text, 'stroem_jobs_completed_total', { status: 'failed' })).toBe(1);

    // The terminal actions run again (their claim reset): the job is not counted twice.
    const ds = server.app.get<DataSource>(DATA_SOURCE);
    await ds.query(`UPDATE job SET terminal_actions_at = NULL WHERE job_id = $1`, [done]);
    await server.app.get(JobEndedService).jobEnded(done);
    text = await scrape();
    expect(sample(text, 'stroem_jobs_completed_total', { status: 'completed' })).toBe(1);
  });

  it('labels HTTP metrics with the route pattern, for /api only', async () => {
    const jobId = await d.execute('one');
    await request(server.http).get(`/api/jobs/${jobId}`).expect(200);
    await request(server.http).get('/api/no/such/route/x1').expect(404);
    const text = await scrape();
    const labels = { method: 'GET', route: '/api/jobs/:id', status: '200' };
    expect(sample(text, 'stroem_http_requests_total', labels)).toBe(1);
    expect(
      sample(text, 'stroem_http_request_duration_seconds_count', { route: '/api/jobs/:id' }),
    ).toBe(1);
    // Unknown /api paths land on the catch-all route: its pattern, never the raw URL.
    expect(sample(text, 'stroem_http_requests_total', { route: '/{*path}', status: '404' })).toBe(
      1,
    );
    expect(text).not.toContain('x1');
    expect(text).not.toContain(jobId);
    expect(text).not.toContain('route="/metrics"');
    expect(text).not.toContain('route="/worker');
  });

  it('reports leadership, workers, jobs in flight, ready steps and the leader loops', async () => {
    await d.registerWorker();
    const text = await scrape();
    const replica = /replica_id="([^"]+)"/.exec(text)?.[1];
    expect(replica).toBeTruthy();
    expect(sample(text, 'stroem_leader_status')).toBe(1);
    expect(sample(text, 'stroem_workers_active')).toBe(1);
    // The job of the previous test waits for a worker: pending, its step ready.
    expect(sample(text, 'stroem_jobs_in_flight', { status: 'pending' })).toBe(1);
    expect(sample(text, 'stroem_jobs_in_flight', { status: 'running' })).toBe(0);
    expect(sample(text, 'stroem_steps_ready')).toBe(1);
    for (const task of ['scheduler', 'recovery', 'event_source'])
      expect(sample(text, 'stroem_background_task_alive', { task })).toBe(1);
    expect(sample(text, 'stroem_queue_depth_count')).toBeGreaterThanOrEqual(1);
  });

  it('observes the dispatch latency of each claimed step', async () => {
    const before = sample(await scrape(), 'stroem_dispatch_latency_seconds_count') ?? 0;
    const worker = await d.registerWorker();
    await request(server.http)
      .post('/worker/jobs/claim')
      .send({ worker_id: worker, capabilities: ['script'], tags: [] })
      .expect(200);
    expect(sample(await scrape(), 'stroem_dispatch_latency_seconds_count')).toBe(before + 1);
  });
});

describe('who may scrape /metrics', () => {
  const servers: TestServer[] = [];
  afterAll(async () => {
    for (const s of servers) await s.close();
  });

  it('needs the worker token or metrics.token as a bearer token', async () => {
    const server = await startTestServer(
      { '.workflows/w.yaml': WORKFLOWS },
      { worker_token: WORKER_TOKEN, metrics: { public: false, token: METRICS_TOKEN } },
    );
    servers.push(server);
    await request(server.http).get('/metrics').expect(401);
    await request(server.http).get('/metrics').set('Authorization', 'Bearer nope').expect(401);
    await request(server.http).get('/metrics').set('Authorization', WORKER_TOKEN).expect(401);
    for (const token of [WORKER_TOKEN, METRICS_TOKEN]) {
      const res = await request(server.http)
        .get('/metrics')
        .set('Authorization', `Bearer ${token}`)
        .expect(200);
      expect(res.headers['content-type']).toMatch(/^text\/plain/);
      expect(res.text).toContain('# TYPE stroem_jobs_created_total counter');
    }
  });

  it('is open with metrics.public', async () => {
    const server = await startTestServer(
      { '.workflows/w.yaml': WORKFLOWS },
      { worker_token: WORKER_TOKEN, metrics: { public: true } },
    );
    servers.push(server);
    await request(server.http).get('/metrics').expect(200);
  });
});
