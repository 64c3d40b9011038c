// Leader election (reference §1.18) against a real database: one of two replicas leads, the
// other takes over when the leader's session ends or its connection is killed.
import { createTestDatabase, type TestDatabase } from '@stroem/db/testing';
import { Client } from 'pg';
import type { ServerConfig } from '../config/server-config';
import { LeaderElection } from './leader-election.service';

let db: TestDatabase;
const started: LeaderElection[] = [];

beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  for (const election of started) await election.onModuleDestroy();
  await db.drop();
});

async function replica(enabled = true): Promise<{ election: LeaderElection; events: boolean[] }> {
  const config = {
    leader_election: { enabled, retry_interval_secs: 1 },
  } as unknown as ServerConfig;
  const election = new LeaderElection(db.url, config);
  const events: boolean[] = [];
  election.onChange((leader) => events.push(leader));
  await election.onApplicationBootstrap();
  started.push(election);
  return { election, events };
}

async function until(check: () => boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function sql(text: string): Promise<unknown[]> {
  const client = new Client({ connectionString: db.url });
  await client.connect();
  try {
    return (await client.query(text)).rows;
  } finally {
    await client.end();
  }
}

describe('leader election', () => {
  it('elects one replica; the follower takes over when the leader stops or its connection dies', async () => {
    const a = await replica();
    const b = await replica();
    expect(a.election.isLeader()).toBe(true);
    expect(b.election.isLeader()).toBe(false);
    expect(a.events).toEqual([true]);

    // The leader's session is killed from outside (only this database's): it steps down, and
    // one of the two (whichever tries first) leads again.
    await sql(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
        WHERE datname = current_database() AND application_name = 'stroem-leader' AND pid IN
          (SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted
              AND database = (SELECT oid FROM pg_database WHERE datname = current_database()))`,
    );
    await until(() => a.events.includes(false));
    expect(a.events.slice(0, 2)).toEqual([true, false]);
    await until(() => a.election.isLeader() || b.election.isLeader());
    await new Promise((r) => setTimeout(r, 1500));
    expect([a, b].filter((r) => r.election.isLeader())).toHaveLength(1);

    // A clean stop of the leader releases the lock at once: the other takes over.
    const [leader, follower] = a.election.isLeader() ? [a, b] : [b, a];
    await leader.election.onModuleDestroy();
    expect(leader.election.isLeader()).toBe(false);
    await until(() => follower.election.isLeader());
    expect(leader.events[leader.events.length - 1]).toBe(false);
  });

  it('always leads with leader_election.enabled: false', async () => {
    const c = await replica(false);
    expect(c.election.isLeader()).toBe(true);
  });
});
