// Event sources (reference §2.17.9, upstream bugs §5.3 #4–#6) against a real database.
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { JobRepository } from '@stroem/db';
import request from 'supertest';
import { Driver, startTestServer, type TestServer } from '../../testing/test-server';
import { WorkspaceRegistry } from '../workspace/workspace-registry.service';
import { EventSourceReconciler } from './event-source-reconciler.service';

const workflows = (extra: string, policy = 'always', backoff = 5) => `
secrets:
  token: "tok-123"
actions:
  ok: { type: script, script: "true" }
tasks:
  consume:
    flow:
      run: { action: ok }
  target:
    input:
      n: { type: integer }
      region: { type: string, default: "eu" }
    flow:
      t: { action: ok }
triggers:
  queue:
    type: event_source
    task: consume
    target_task: target
    restart_policy: ${policy}
    backoff_secs: ${backoff}
    max_in_flight: 2
    input: { region: "us", kind: "default" }
    env: { TOKEN: "{{ secret.token }}" }
${extra}`;

describe('event sources', () => {
  let server: TestServer;
  let driver: Driver;
  let jobs: JobRepository;
  let reconciler: EventSourceReconciler;

  const rewrite = async (text: string) => {
    writeFileSync(path.join(server.workspaceDir, '.workflows/main.yaml'), text);
    const registry = server.app.get(WorkspaceRegistry);
    const ws = registry.get('default');
    if (!ws) throw new Error('workspace default missing');
    await registry.refresh(ws);
  };
  const consumers = async () =>
    (await jobs.list({ sourceType: 'event_source', taskName: 'consume', limit: 100, offset: 0 }))
      .items;
  const active = async () =>
    (await consumers()).filter((j) => j.status === 'pending' || j.status === 'running');
  const later = (secs: number) => new Date(Date.now() + secs * 1000);
  const emit = (input: unknown) =>
    request(server.http)
      .post('/worker/event-source/emit')
      .send({ workspace: 'default', task: 'target', input, source_id: 'default/queue' });

  beforeEach(async () => {
    server = await startTestServer({ '.workflows/main.yaml': workflows('') });
    driver = new Driver(server);
    jobs = server.app.get(JobRepository);
    reconciler = server.app.get(EventSourceReconciler);
  });
  afterEach(() => server.close());

  it('creates one consumer job with the §2.17.9 input; a second pass keeps it', async () => {
    await reconciler.reconcileOnce();
    await reconciler.reconcileOnce();
    const list = await consumers();
    expect(list).toHaveLength(1);
    const [job] = list;
    expect(job.sourceId).toBe('default/queue');
    expect(job.input).toMatchObject({
      _fingerprint: expect.any(String),
      _event_source: {
        target_task: 'target',
        source_id: 'default/queue',
        input_defaults: { region: 'us', kind: 'default' },
        max_in_flight: 2,
        env: { TOKEN: '{{ secret.token }}' },
        backoff_secs: 5,
        consecutive_failures: 0,
      },
    });
  });

  it('the claim response carries event_source_config with env rendered', async () => {
    await reconciler.reconcileOnce();
    const workerId = await driver.registerWorker();
    const res = await request(server.http)
      .post('/worker/jobs/claim')
      .send({ worker_id: workerId, capabilities: ['script'], tags: [] })
      .expect(200);
    expect(res.body.task_name).toBe('consume');
    expect(res.body.event_source_config).toMatchObject({
      target_task: 'target',
      source_id: 'default/queue',
      env: { TOKEN: 'tok-123' },
    });
  });

  it('a fingerprint change cancels and recreates the consumer', async () => {
    await reconciler.reconcileOnce();
    const [first] = await consumers();
    await rewrite(workflows('', 'always', 7));
    await reconciler.reconcileOnce();
    expect((await jobs.find(first.jobId))?.status).toBe('cancelled');
    const now = await active();
    expect(now).toHaveLength(1);
    expect(now[0].jobId).not.toBe(first.jobId);
  });

  it('a disabled or removed trigger cancels its consumer', async () => {
    await reconciler.reconcileOnce();
    const [first] = await consumers();
    await rewrite(
      workflows('').replace('max_in_flight: 2', 'max_in_flight: 2\n    enabled: false'),
    );
    await reconciler.reconcileOnce();
    expect((await jobs.find(first.jobId))?.status).toBe('cancelled');
    expect(await active()).toHaveLength(0);
  });

  it('restart_policy always: restarts 1 s after success, with exponential backoff after failures', async () => {
    await reconciler.reconcileOnce();
    const [first] = await consumers();
    await driver.complete(first.jobId, 'run');
    await reconciler.reconcileOnce(new Date());
    expect(await active()).toHaveLength(0); // within the 1 s backoff
    await reconciler.reconcileOnce(later(2));
    const [second] = await active();
    expect(second).toBeDefined();
    await driver.fail(second.jobId, 'run');
    await reconciler.reconcileOnce(later(3)); // backoff 5 s after 1 failure
    expect(await active()).toHaveLength(0);
    await reconciler.reconcileOnce(later(7));
    const [third] = await active();
    expect(third.input?.['_event_source']).toMatchObject({ consecutive_failures: 1 });
    await driver.fail(third.jobId, 'run');
    await reconciler.reconcileOnce(later(8)); // 10 s after 2 failures
    expect(await active()).toHaveLength(0);
    await reconciler.reconcileOnce(later(12));
    expect(await active()).toHaveLength(1);
  });

  it('upstream bug #6: restart_policy never is honoured after a long time', async () => {
    await rewrite(workflows('', 'never'));
    await reconciler.reconcileOnce();
    const [first] = await consumers();
    await driver.fail(first.jobId, 'run');
    await reconciler.reconcileOnce(later(3600));
    await reconciler.reconcileOnce(later(86400));
    expect(await consumers()).toHaveLength(1);
  });

  it('upstream bug #6: restart_policy on_failure never restarts a completed consumer, even much later', async () => {
    await rewrite(workflows('', 'on_failure'));
    await reconciler.reconcileOnce();
    const [first] = await consumers();
    await driver.fail(first.jobId, 'run');
    await reconciler.reconcileOnce(later(3600));
    const [second] = await active();
    expect(second).toBeDefined();
    await driver.complete(second.jobId, 'run');
    await reconciler.reconcileOnce(later(3600 * 24));
    await reconciler.reconcileOnce(later(3600 * 48));
    expect(await active()).toHaveLength(0);
    expect(await consumers()).toHaveLength(2);
  });

  it('emit creates a target job: input_defaults under the emitted keys, same source', async () => {
    await reconciler.reconcileOnce();
    const res = await emit({ region: 'us', kind: 'default', n: 1, _event_source: 'x' }).expect(200);
    const job = await jobs.find(res.body.job_id);
    expect(job).toMatchObject({
      sourceType: 'event_source',
      sourceId: 'default/queue',
      taskName: 'target',
    });
    expect(job?.input).toEqual({ region: 'us', kind: 'default', n: 1 });
    await request(server.http)
      .post('/worker/event-source/emit')
      .send({ workspace: 'default', task: 'consume', input: {}, source_id: 'default/queue' })
      .expect(400);
  });

  it('upstream bug #4: reconcile never cancels emitted target jobs', async () => {
    await reconciler.reconcileOnce();
    const target = (await emit({ n: 1 }).expect(200)).body.job_id as string;
    await reconciler.reconcileOnce();
    await rewrite(workflows('', 'always', 9)); // fingerprint change
    await reconciler.reconcileOnce();
    expect((await jobs.find(target))?.status).toBe('pending');
  });

  it('upstream bug #5: max_in_flight bounds pending+running target jobs (429 with retry_after_secs)', async () => {
    await reconciler.reconcileOnce();
    const a = (await emit({ n: 1 }).expect(200)).body.job_id as string;
    await emit({ n: 2 }).expect(200);
    const refused = await emit({ n: 3 }).expect(429);
    expect(refused.body).toEqual({
      error: expect.any(String),
      retry_after_secs: expect.any(Number),
    });
    await driver.complete(a, 't');
    await emit({ n: 3 }).expect(200);
  });
});
