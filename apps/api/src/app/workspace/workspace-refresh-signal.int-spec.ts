// A forced refresh reaches every replica (issue "Recovery, HA and reliability"): two apps on one
// database and one workspace folder, each polling only hourly; a refresh on one reloads the other.
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import request from 'supertest';
import type { App } from 'supertest/types';
import type { INestApplication } from '@nestjs/common';
import { startTestServer, type TestServer } from '../../testing/test-server';
import { createApp } from '../create-app';

let first: TestServer;
let second: INestApplication;
let secondHttp: App;

beforeAll(async () => {
  first = await startTestServer({ '.workflows/w.yaml': 'tasks:\n  one:\n    flow: {}\n' });
  second = await createApp(first.config, first.config.db.url as string, false);
  secondHttp = second.getHttpServer() as App;
});
afterAll(async () => {
  await second.close();
  await first.close();
});

async function waitForStatus(http: App, url: string, status: number, ms: number): Promise<number> {
  const deadline = Date.now() + ms;
  let last = 0;
  while (Date.now() < deadline) {
    last = (await request(http).get(url)).status;
    if (last === status) return last;
    await new Promise((r) => setTimeout(r, 50));
  }
  return last;
}

describe('POST /api/workspaces/{ws}/refresh on one replica', () => {
  it('reloads the workspace on the other replica too, long before its poll', async () => {
    const url = '/api/workspaces/default/tasks/two';
    await request(secondHttp).get(url).expect(404);
    writeFileSync(
      path.join(first.workspaceDir, '.workflows/two.yaml'),
      'tasks:\n  two:\n    flow: {}\n',
    );
    await request(first.http).post('/api/workspaces/default/refresh').expect(200);
    await request(first.http).get(url).expect(200);
    expect(await waitForStatus(secondHttp, url, 200, 3000)).toBe(200);
  });

  it('leaves the other replica alone when the refresh was refused', async () => {
    writeFileSync(
      path.join(first.workspaceDir, '.workflows/three.yaml'),
      'tasks:\n  three:\n    flow: {}\n',
    );
    // Within the 5 s cooldown of the first test's refresh: 429, nothing reloads anywhere.
    await request(first.http).post('/api/workspaces/default/refresh').expect(429);
    expect(await waitForStatus(secondHttp, '/api/workspaces/default/tasks/three', 200, 500)).toBe(
      404,
    );
  });
});
