// `GET /healthz/detail` (reference §3.5): two replicas on one database, the leader's loops.
import request from 'supertest';
import type { App } from 'supertest/types';
import type { INestApplication } from '@nestjs/common';
import { startTestServer, type TestServer } from '../../testing/test-server';
import { createApp } from '../create-app';
import { RecoverySweep } from '../recovery/recovery-sweep.service';

const WORKER_TOKEN = 'worker-token-0123456789abcdef-0123456789';
const auth = { Authorization: `Bearer ${WORKER_TOKEN}` };

let leader: TestServer;
let follower: INestApplication;

beforeAll(async () => {
  leader = await startTestServer(
    { '.workflows/w.yaml': 'tasks: {}\n' },
    { worker_token: WORKER_TOKEN },
  );
  // A second replica on the same database: the advisory lock is taken, so it follows.
  follower = await createApp(leader.config, leader.config.db.url as string, false);
});
afterAll(async () => {
  await follower.close();
  await leader.close();
});

const detail = (app: App) => request(app).get('/healthz/detail').set(auth);

describe('GET /healthz/detail', () => {
  it('needs the worker token', async () => {
    await request(leader.http).get('/healthz/detail').expect(401);
    await request(leader.http).get('/healthz').expect(200);
  });

  it('reports the leader loops as ok on the leader', async () => {
    const res = await detail(leader.http).expect(200);
    expect(res.body).toEqual({
      status: 'ok',
      checks: { db: 'ok', leader: true, scheduler: 'ok', recovery: 'ok', event_source: 'ok' },
    });
  });

  it('reports follower for the loops on a follower', async () => {
    const res = await detail(follower.getHttpServer() as App).expect(200);
    expect(res.body).toEqual({
      status: 'ok',
      checks: {
        db: 'ok',
        leader: false,
        scheduler: 'follower',
        recovery: 'follower',
        event_source: 'follower',
      },
    });
    const metrics = await request(follower.getHttpServer() as App)
      .get('/metrics')
      .set(auth)
      .expect(200);
    expect(metrics.text).toMatch(/^stroem_leader_status\{replica_id="[^"]+"\} 0$/m);
  });

  it('answers 503 when a leader loop has stopped', async () => {
    await leader.app.get(RecoverySweep).onModuleDestroy();
    const res = await detail(leader.http).expect(503);
    expect(res.body.status).toBe('unhealthy');
    expect(res.body.checks).toMatchObject({ leader: true, recovery: 'stopped', scheduler: 'ok' });
    const metrics = await request(leader.http).get('/metrics').set(auth).expect(200);
    expect(metrics.text).toMatch(
      /^stroem_background_task_alive\{task="recovery",replica_id="[^"]+"\} 0$/m,
    );
  });
});
