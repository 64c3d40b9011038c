// Execute through the API against a real database: Re-run (reference §1.25), required inputs
// (§5.3 #7), connections (§2.11, §4.4) and what the job detail hides (§1.15, §5.3 #14).
import type { JsonObject } from '@stroem/workflow';
import request from 'supertest';
import type { DataSource } from 'typeorm';
import { DATA_SOURCE } from '../database/database.module';
import { JobCreatorService } from '../orchestrator/job-creator.service';
import { Driver, startTestServer, type TestServer } from '../../testing/test-server';

const MASK = '••••••';

const WORKFLOWS = `
secrets:
  api_key: "ws-secret-key"
  pin: "12"
connection_types:
  postgres:
    host: { type: string, required: true }
    password: { type: string, required: true, secret: true }
connections:
  prod-db: { type: postgres, host: prod.local, password: prod-pass }
  stage-db: { type: postgres, host: stage.local, password: stage-pass }
  other: { host: loose.local }
actions:
  ok: { type: script, script: "true" }
  query:
    type: script
    input:
      db: { type: postgres }
      otp: { type: string, secret: true }
    script: "echo {{ input.db.host }}"
tasks:
  login:
    input:
      user: { type: string, required: true }
      password: { type: string, secret: true, required: true }
      db: { type: postgres, default: prod-db }
      note: { type: string }
    flow:
      run: { action: query, input: { otp: "{{ input.password }}" } }
  other-task:
    flow:
      s: { action: ok }
  needs:
    input:
      a: { type: string, required: true }
      b: { type: integer, required: true }
      c: { type: string, required: true, default: x }
    flow:
      s: { action: ok }
  by-connection:
    input:
      db: { type: postgres }
    flow:
      s: { action: query }
  claim-connection:
    input:
      target: { type: string }
    flow:
      s: { action: query, input: { db: "{{ input.target }}" } }
  leaky:
    flow:
      s: { action: ok, input: { key: "{{ secret.api_key }}" } }
`;

let server: TestServer;
let d: Driver;
let worker: string;

beforeAll(async () => {
  server = await startTestServer({ '.workflows/w.yaml': WORKFLOWS });
  d = new Driver(server);
  worker = await d.registerWorker();
});
afterAll(() => server.close());

const execute = (task: string, body: object) =>
  request(server.http).post(`/api/workspaces/default/tasks/${task}/execute`).send(body);
const detail = async (jobId: string) =>
  (await request(server.http).get(`/api/jobs/${jobId}`).expect(200)).body;

/** Claims until the worker gets a step of `jobId` (other tests' ready steps are taken too). */
async function claimStepOf(jobId: string): Promise<request.Response> {
  for (let i = 0; i < 50; i++) {
    const res = await request(server.http)
      .post('/worker/jobs/claim')
      .send({ worker_id: worker, capabilities: ['script'], tags: [] });
    if (res.status === 422 && String(res.body.error).includes(jobId)) return res;
    if (res.status === 200 && res.body.job_id === jobId) return res;
    if (res.status === 200 && res.body.job_id === null) break;
  }
  throw new Error(`no step of job ${jobId} was claimable`);
}

describe('Re-run', () => {
  it('replays masked secret and connection fields from the source job', async () => {
    const input = { user: 'ada', password: 'hunter22', db: 'stage-db', note: 'first' };
    const source = (await execute('login', { input }).expect(200)).body.job_id;
    const shown = await detail(source);
    expect(shown.raw_input).toEqual({ ...input, password: MASK });

    const rerun = (
      await execute('login', {
        input: { ...shown.raw_input, db: MASK, note: 'again' },
        source_job_id: source,
      }).expect(200)
    ).body.job_id;
    expect(await detail(rerun)).toMatchObject({
      source_type: 'rerun',
      source_job_id: source,
      raw_input: { user: 'ada', password: MASK, db: 'stage-db', note: 'again' },
    });
    const claim = await claimStepOf(rerun);
    expect(claim.body.input).toEqual({
      otp: 'hunter22',
      db: { host: 'stage.local', password: 'stage-pass' },
    });
  });

  it('answers 400 for a source job that is missing, of another task, or without raw input', async () => {
    await execute('login', {
      input: {},
      source_job_id: '00000000-0000-0000-0000-000000000000',
    }).expect(400, { error: 'Source job 00000000-0000-0000-0000-000000000000 not found' });
    await execute('login', { source_job_id: 'nope' }).expect(400);
    await execute('login', { source_job_id: 7 }).expect(400, {
      error: 'source_job_id must be a string',
    });

    const other = (await execute('other-task', {}).expect(200)).body.job_id;
    const res = await execute('login', { input: {}, source_job_id: other }).expect(400);
    expect(res.body.error).toMatch(/belongs to task 'other-task' of workspace 'default'/);

    const bare = (await execute('other-task', {}).expect(200)).body.job_id;
    await server.app
      .get<DataSource>(DATA_SOURCE)
      .query('UPDATE job SET raw_input = NULL WHERE job_id = $1', [bare]);
    await execute('other-task', { source_job_id: bare }).expect(400, {
      error: `Source job ${bare} has no raw input to re-run`,
    });
  });
});

describe('required inputs', () => {
  it('rejects an API execute that misses required inputs, naming all of them', async () => {
    await execute('needs', {}).expect(400, { error: "missing required inputs 'a', 'b'" });
    await execute('needs', { input: { a: 'x', b: null } }).expect(400, {
      error: "missing required input 'b'",
    });
    await execute('needs', { input: { a: 'x', b: 0 } }).expect(200);
  });

  it('stays lenient for jobs the server creates itself (triggers, webhooks, hooks, sub-jobs)', async () => {
    const jobId = await server.app.get(JobCreatorService).create({
      workspace: 'default',
      taskName: 'needs',
      input: {},
      sourceType: 'trigger',
      sourceId: 'default/nightly',
    });
    expect((await detail(jobId)).input).toEqual({ c: 'x' });
  });
});

describe('connections', () => {
  it('lists the connections a task can take, per type, sorted', async () => {
    const res = await request(server.http)
      .get('/api/workspaces/default/tasks/by-connection')
      .expect(200);
    expect(res.body.connections).toEqual({ postgres: ['prod-db', 'stage-db'] });
  });

  it('answers 400 naming a connection that does not exist', async () => {
    const res = await execute('by-connection', { input: { db: 'nope' } }).expect(400);
    expect(res.body.error).toBe(
      "Invalid input for task 'by-connection': input 'db': connection 'nope' not found",
    );
  });

  it('resolves a task input at creation and passes the object through at claim', async () => {
    const jobId = (await execute('by-connection', { input: { db: 'prod-db' } }).expect(200)).body
      .job_id;
    const claim = await claimStepOf(jobId);
    expect(claim.body.input).toEqual({ db: { host: 'prod.local', password: 'prod-pass' } });
    expect(claim.body.action_spec.script).toBe('echo prod.local');
    expect((await detail(jobId)).input).toEqual({ db: { host: 'prod.local', password: MASK } });
  });

  it('accepts an untyped connection and an object for a connection-typed input', async () => {
    const loose = (await execute('by-connection', { input: { db: 'other' } }).expect(200)).body
      .job_id;
    expect((await detail(loose)).input).toEqual({ db: { host: 'loose.local' } });
    const inline = (
      await execute('by-connection', { input: { db: { host: 'inline' } } }).expect(200)
    ).body.job_id;
    expect((await detail(inline)).input).toEqual({ db: { host: 'inline' } });
  });

  it('resolves an action input at claim, and fails the step when the connection is missing', async () => {
    const ok = (await execute('claim-connection', { input: { target: 'stage-db' } }).expect(200))
      .body.job_id;
    expect((await claimStepOf(ok)).body.input.db).toEqual({
      host: 'stage.local',
      password: 'stage-pass',
    });
    const bad = (await execute('claim-connection', { input: { target: 'gone' } }).expect(200)).body
      .job_id;
    const res = await claimStepOf(bad);
    expect(res.status).toBe(422);
    const job = await detail(bad);
    expect(job.status).toBe('failed');
    expect(job.steps[0].error_message).toMatch(/connection 'gone' not found/);
  });
});

describe('job detail redaction', () => {
  it('hides typed secrets, workspace secrets and secret connection properties everywhere', async () => {
    const input = { user: 'ada', password: 'hunter22' };
    const jobId = (await execute('login', { input }).expect(200)).body.job_id;
    await claimStepOf(jobId);
    await request(server.http)
      .post(`/worker/jobs/${jobId}/logs`)
      .send({
        step_name: 'run',
        lines: [{ line: 'password is hunter22' }, { line: 'key ws-secret-key' }, { line: 'ok' }],
      })
      .expect(200);
    await request(server.http)
      .post(`/worker/jobs/${jobId}/steps/run/complete`)
      .send({
        exit_code: 1,
        output: { echoed: 'pw=hunter22', pin: '12', host: 'prod.local', db: 'prod-pass' },
        error: 'auth with ws-secret-key failed',
      })
      .expect(200);
    const job = await detail(jobId);
    expect(job.input).toEqual({
      user: 'ada',
      password: MASK,
      db: { host: 'prod.local', password: MASK },
    });
    expect(job.raw_input).toEqual({ user: 'ada', password: MASK });
    const step = job.steps[0];
    expect(step.input).toEqual({ otp: MASK, db: { host: 'prod.local', password: MASK } });
    expect(step.output).toEqual({ echoed: `pw=${MASK}`, pin: MASK, host: 'prod.local', db: MASK });
    expect(step.error_message).toBe(`auth with ${MASK} failed`);
    expect(JSON.stringify(job)).not.toMatch(/hunter22|ws-secret-key|prod-pass/);

    const logs = (await request(server.http).get(`/api/jobs/${jobId}/logs`).expect(200)).body
      .logs as string;
    const lines = logs
      .split('\n')
      .filter(Boolean)
      .map((l) => (JSON.parse(l) as JsonObject)['line']);
    expect(lines).toEqual(expect.arrayContaining([`password is ${MASK}`, `key ${MASK}`, 'ok']));
    expect(logs).not.toMatch(/hunter22|ws-secret-key/);
    const stepLogs = (await request(server.http).get(`/api/jobs/${jobId}/steps/run/logs`)).body
      .logs as string;
    expect(stepLogs).not.toMatch(/hunter22/);
  });

  it('hides a workspace secret rendered into a step input', async () => {
    const jobId = (await execute('leaky', {}).expect(200)).body.job_id;
    await claimStepOf(jobId);
    expect((await detail(jobId)).steps[0].input).toEqual({ key: MASK });
  });
});
