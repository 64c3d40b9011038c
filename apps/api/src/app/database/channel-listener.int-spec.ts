import { Logger } from '@nestjs/common';
import { createTestDatabase, type TestDatabase } from '@stroem/db/testing';
import { Client } from 'pg';
import { ChannelListener } from './channel-listener';

const CHANNEL = 'stroem_listener_test';

let db: TestDatabase;
let admin: Client;

beforeAll(async () => {
  db = await createTestDatabase();
  admin = new Client({ connectionString: db.url });
  await admin.connect();
});
afterAll(async () => {
  await admin.end();
  await db.drop();
});

async function until(check: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

it('delivers notices, and after its connection is killed reconnects once and delivers them once', async () => {
  const heard: (string | undefined)[] = [];
  let connections = 0;
  const listener = new ChannelListener(
    db.url,
    CHANNEL,
    { notification: (p) => heard.push(p), connected: () => connections++ },
    new Logger('test'),
  );
  await listener.start();
  expect(listener.connected).toBe(true);
  await admin.query(`SELECT pg_notify($1, 'one')`, [CHANNEL]);
  await until(() => heard.length === 1, 'the first notice');

  const listening = async () =>
    (
      await admin.query<{ pid: number }>(
        `SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND query = $1`,
        [`LISTEN ${CHANNEL}`],
      )
    ).rows.map((r) => r.pid);
  const [pid] = await listening();
  await admin.query(`SELECT pg_terminate_backend($1)`, [pid]);
  await until(() => connections === 2, 'the reconnection');
  // The killed connection's late error and end events must not open further connections.
  await new Promise((r) => setTimeout(r, 1500));
  expect(connections).toBe(2);
  expect(await listening()).toHaveLength(1);

  await admin.query(`SELECT pg_notify($1, 'two')`, [CHANNEL]);
  await until(() => heard.length === 2, 'the second notice');
  await new Promise((r) => setTimeout(r, 200));
  expect(heard).toEqual(['one', 'two']);

  await listener.stop();
  expect(listener.connected).toBe(false);
  expect(await listening()).toHaveLength(0);
});
