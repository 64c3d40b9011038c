/**
 * The scheduler under high availability (reference §1.18, §2.17.13): two real server processes
 * on one database elect one leader with the advisory lock; a 6-field every-second trigger fires
 * each second exactly once across both, and when the leader stops the follower takes over.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { poll } from './harness/api';
import { triggerJobsPerSecond } from './harness/cron-jobs';
import { scratchFolder, useStack } from './harness/stack';
import type { Service } from './harness/service';

const workspace = scratchFolder('stroem-e2e-scheduler-');
mkdirSync(join(workspace, '.workflows'));
writeFileSync(
  join(workspace, '.workflows/w.yaml'),
  `
actions:
  ok: { type: script, script: "true" }
tasks:
  tick:
    flow:
      s: { action: ok }
triggers:
  every-second:
    type: scheduler
    cron: "*/1 * * * * *"
    task: tick
`,
);

const stack = useStack({
  workspaces: { ws: workspace },
  workers: 0,
  serverConfig: { leader_election: { retry_interval_secs: 1 } },
});

let second: Service | undefined;
let db: Client;

beforeAll(async () => {
  const s = stack();
  second = (await s.startReplica('server-2')).service;
  db = new Client({ connectionString: s.database.url });
  // The stack's teardown may drop the database before this file's afterAll closes the client.
  db.on('error', () => undefined);
  await db.connect();
}, 120_000);

afterAll(async () => {
  await db?.end().catch(() => undefined);
  await second?.stop(15_000);
  if ((globalThis.__stroemE2eFailures ?? 0) > 0 && second) {
    process.stderr.write(`──── server-2 ────\n${second.logs}\n`);
  }
});

function secondServer(): Service {
  if (!second) throw new Error('the second server did not start');
  return second;
}

const elected = (service: Service) => service.logs.includes('elected leader');

/** Per second: how many every-second trigger jobs, in a window. */
async function jobsPerSecond(from: Date, to: Date): Promise<number[]> {
  return (await triggerJobsPerSecond(db, 'ws/every-second', from, to)).map((p) => p.n);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('two API replicas on one database', () => {
  it('elect exactly one leader, which fires each scheduled second exactly once', async () => {
    const s = stack();
    expect(second?.hasExited).toBe(false);
    await poll(
      async () => elected(s.server) || elected(secondServer()),
      (ok) => ok,
      10_000,
      () => 'no replica became leader',
    );
    expect([elected(s.server), elected(secondServer())].filter(Boolean)).toHaveLength(1);

    const from = new Date(Date.now() + 1000);
    await sleep(6500);
    const perSecond = await jobsPerSecond(from, new Date(from.getTime() + 5000));
    expect(perSecond.length).toBeGreaterThanOrEqual(4);
    expect(perSecond.every((n) => n === 1)).toBe(true);
  });

  it('the follower takes over when the leader stops, still firing each second once', async () => {
    const s = stack();
    const [leader, follower] = elected(s.server)
      ? [s.server, secondServer()]
      : [secondServer(), s.server];
    await leader.stop(15_000);
    await poll(
      async () => elected(follower),
      (ok) => ok,
      15_000,
      () => 'the follower did not take over',
    );
    const from = new Date(Date.now() + 1000);
    await sleep(5500);
    const perSecond = await jobsPerSecond(from, new Date(from.getTime() + 4000));
    expect(perSecond.length).toBeGreaterThanOrEqual(3);
    expect(perSecond.every((n) => n === 1)).toBe(true);
  });
});
