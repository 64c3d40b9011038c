// Live job logs over real sockets: the WebSocket and SSE streams against a listening server,
// lines posted through the worker API as a worker would, a second replica on the same database.
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import WebSocket from 'ws';
import { createApp } from '../create-app';
import {
  Driver,
  login,
  startTestServer,
  testAuthConfig,
  type TestServer,
} from '../../testing/test-server';
import { JobLogBroadcaster } from './job-log-broadcaster.service';

jest.setTimeout(120_000);

const WORKFLOWS = `
actions:
  ok: { type: script, script: "true" }
tasks:
  pair:
    flow:
      big: { action: ok }
      small: { action: ok }
  secret:
    folder: hidden
    flow:
      only: { action: ok }
`;

let server: TestServer;
let base: string;

async function listen(app: INestApplication): Promise<string> {
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as AddressInfo;
  return `127.0.0.1:${port}`;
}

beforeAll(async () => {
  server = await startTestServer({ '.workflows/w.yaml': WORKFLOWS });
  base = await listen(server.app);
});
afterAll(() => server?.close());

const lineText = (i: number) => `line ${String(i).padStart(6, '0')}`;

/** Posts lines `from`..`to`-1 of `step` in batches, as a worker's log shipper would. */
async function postLines(
  s: TestServer,
  jobId: string,
  step: string,
  from: number,
  to: number,
  batch = 1000,
): Promise<void> {
  for (let at = from; at < to; at += batch) {
    const lines = [];
    for (let i = at; i < Math.min(at + batch, to); i++)
      lines.push({ ts: new Date().toISOString(), stream: 'stdout', line: lineText(i) });
    await request(s.http)
      .post(`/worker/jobs/${jobId}/logs`)
      .send({ step_name: step, lines })
      .expect(200);
  }
}

async function finish(s: TestServer, jobId: string): Promise<void> {
  const d = new Driver(s);
  await d.complete(jobId, 'big');
  await d.complete(jobId, 'small');
}

interface WsResult {
  lines: { step: string; line: string; stream: string }[];
  frames: string[];
  code: number;
  reason: string;
}

/** Collects every frame until the server closes. */
function openWs(
  url: string,
  headers: Record<string, string> = {},
): { ws: WebSocket; opened: Promise<void>; done: Promise<WsResult> } {
  const ws = new WebSocket(url, { headers });
  const frames: string[] = [];
  let carry = '';
  const lines: WsResult['lines'] = [];
  ws.on('message', (data) => {
    const text = data.toString();
    frames.push(text);
    const parts = (carry + text).split('\n');
    carry = parts.pop() ?? '';
    // The server's own `_server` lines ("Job completed") are not what these tests post.
    for (const p of parts) {
      if (!p.startsWith('{"ts"')) continue;
      const entry = JSON.parse(p) as WsResult['lines'][number];
      if (entry.step !== '_server') lines.push(entry);
    }
  });
  const opened = new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    ws.once('error', reject);
  });
  const done = new Promise<WsResult>((resolve) =>
    ws.once('close', (code, reason) => resolve({ lines, frames, code, reason: reason.toString() })),
  );
  opened.catch(() => undefined);
  return { ws, opened, done };
}

/** Reads an SSE response to its end (or `max` events); returns the events. */
async function readSse(
  url: string,
  headers: Record<string, string> = {},
  onOpen?: () => void,
): Promise<{ status: number; events: { event: string; id?: string; data: string }[] }> {
  const res = await fetch(url, { headers });
  if (!res.ok || !res.body) return { status: res.status, events: [] };
  onOpen?.();
  const events: { event: string; id?: string; data: string }[] = [];
  const decoder = new TextDecoder();
  let buffer = '';
  for await (const chunk of res.body) {
    buffer += decoder.decode(chunk as Uint8Array, { stream: true });
    let sep: number;
    while ((sep = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, sep);
      buffer = buffer.slice(sep + 2);
      const ev: { event: string; id?: string; data: string } = { event: 'message', data: '' };
      let comment = true;
      for (const line of block.split('\n')) {
        if (line.startsWith(':')) continue;
        comment = false;
        const colon = line.indexOf(':');
        const field = line.slice(0, colon);
        const value = line.slice(colon + 1).replace(/^ /, '');
        if (field === 'event') ev.event = value;
        else if (field === 'id') ev.id = value;
        else if (field === 'data') ev.data = value;
      }
      if (!comment) events.push(ev);
    }
  }
  return { status: res.status, events };
}

function expectSequence(lines: string[], count: number): void {
  expect(lines).toHaveLength(count);
  for (let i = 0; i < count; i++) if (lines[i] !== lineText(i)) expect(lines[i]).toBe(lineText(i));
}

describe('GET /api/jobs/{id}/logs/stream (WebSocket)', () => {
  it('sends every line of a 50 000-line step in order: backfill then live, no repeats', async () => {
    const jobId = await new Driver(server).execute('pair');
    await postLines(server, jobId, 'big', 0, 20_000);
    const { opened, done } = openWs(`ws://${base}/api/jobs/${jobId}/logs/stream`);
    await opened;
    await postLines(server, jobId, 'big', 20_000, 50_000, 500);
    await finish(server, jobId);
    const result = await done;
    expect(result.code).toBe(1000);
    expect(result.reason).toBe('job completed');
    expectSequence(
      result.lines.filter((l) => l.step === 'big').map((l) => l.line),
      50_000,
    );
    // Without ?end_event=true no extension frame reaches upstream clients.
    expect(result.frames.some((f) => f.includes('"event":"end"'))).toBe(false);
  });

  it('keeps one step with ?step= and ends with an end frame when asked', async () => {
    const jobId = await new Driver(server).execute('pair');
    await postLines(server, jobId, 'big', 0, 10);
    await postLines(server, jobId, 'small', 0, 3);
    const { opened, done } = openWs(
      `ws://${base}/api/jobs/${jobId}/logs/stream?step=small&end_event=true`,
    );
    await opened;
    await postLines(server, jobId, 'big', 10, 20);
    await postLines(server, jobId, 'small', 3, 5);
    await finish(server, jobId);
    const result = await done;
    expect(result.lines.map((l) => `${l.step}:${l.line}`)).toEqual(
      [0, 1, 2, 3, 4].map((i) => `small:${lineText(i)}`),
    );
    expect(JSON.parse(result.frames[result.frames.length - 1])).toEqual({
      event: 'end',
      status: 'completed',
    });
    expect(result.code).toBe(1000);
  });

  it('sends only new lines with ?skip_backfill=true', async () => {
    const jobId = await new Driver(server).execute('pair');
    await postLines(server, jobId, 'big', 0, 10);
    const { opened, done } = openWs(
      `ws://${base}/api/jobs/${jobId}/logs/stream?skip_backfill=true`,
    );
    await opened;
    await postLines(server, jobId, 'big', 10, 15);
    await finish(server, jobId);
    const result = await done;
    expect(result.lines.map((l) => l.line)).toEqual([10, 11, 12, 13, 14].map(lineText));
  });

  it('sends the whole log and closes at once for a job that has already ended', async () => {
    const jobId = await new Driver(server).execute('pair');
    await postLines(server, jobId, 'small', 0, 3);
    await finish(server, jobId);
    const { done } = openWs(`ws://${base}/api/jobs/${jobId}/logs/stream?end_event=true`);
    const result = await done;
    expect(result.lines.map((l) => l.line)).toEqual([0, 1, 2].map(lineText));
    expect(result.frames[result.frames.length - 1]).toBe('{"event":"end","status":"completed"}');
    expect(result.code).toBe(1000);
  });

  it('answers the upgrade with 404 for an unknown job and 400 for a bad id', async () => {
    const missing = openWs(
      `ws://${base}/api/jobs/00000000-0000-4000-8000-000000000000/logs/stream`,
    );
    await expect(missing.opened).rejects.toThrow('HTTP 404');
    const bad = openWs(`ws://${base}/api/jobs/nope/logs/stream`);
    await expect(bad.opened).rejects.toThrow('HTTP 400');
  });

  it('drops a client that stops reading, with 1013, without queueing its backlog', async () => {
    const jobId = await new Driver(server).execute('pair');
    const broadcaster = server.app.get(JobLogBroadcaster);
    const { ws, opened, done } = openWs(`ws://${base}/api/jobs/${jobId}/logs/stream`);
    await opened;
    ws.pause();
    expect(broadcaster.subscriberCount(jobId)).toBe(1);
    const long = 'x'.repeat(1000);
    for (let batch = 0; batch < 40 && broadcaster.subscriberCount(jobId) > 0; batch++) {
      const lines = Array.from({ length: 1000 }, () => ({ stream: 'stdout', line: long }));
      await request(server.http)
        .post(`/worker/jobs/${jobId}/logs`)
        .send({ step_name: 'big', lines })
        .expect(200);
    }
    // Dropped well before 40 MB were posted: the server stopped queueing for it.
    expect(broadcaster.subscriberCount(jobId)).toBe(0);
    ws.resume();
    const result = await done;
    expect([1013, 1006]).toContain(result.code);
    if (result.code === 1013) expect(result.reason).toMatch(/slow consumer/);
  });
});

describe('GET /api/jobs/{id}/logs/sse', () => {
  it('streams every line as an event with its offset, then an end event', async () => {
    const jobId = await new Driver(server).execute('pair');
    await postLines(server, jobId, 'big', 0, 20_000);
    let resolveOpen!: () => void;
    const open = new Promise<void>((r) => (resolveOpen = r));
    const reading = readSse(`http://${base}/api/jobs/${jobId}/logs/sse`, {}, resolveOpen);
    await open;
    await postLines(server, jobId, 'big', 20_000, 50_000, 500);
    await finish(server, jobId);
    const { status, events } = await reading;
    expect(status).toBe(200);
    const logs = events.filter((e) => e.event === 'log' && !e.data.includes('"step":"_server"'));
    expectSequence(
      logs.map((e) => (JSON.parse(e.data) as { line: string }).line),
      50_000,
    );
    const ids = logs.map((e) => Number(e.id));
    expect(ids.every((id, i) => i === 0 || id > ids[i - 1])).toBe(true);
    expect(events[events.length - 1]).toEqual({ event: 'end', data: '{"status":"completed"}' });

    // Last-Event-ID resumes right after that line.
    const resumed = await readSse(`http://${base}/api/jobs/${jobId}/logs/sse?step=big`, {
      'Last-Event-ID': String(ids[49_989]),
    });
    expect(
      resumed.events
        .filter((e) => e.event === 'log')
        .map((e) => (JSON.parse(e.data) as { line: string }).line),
    ).toEqual(
      [49_990, 49_991, 49_992, 49_993, 49_994, 49_995, 49_996, 49_997, 49_998, 49_999].map(
        lineText,
      ),
    );
  });

  it('filters with ?step= and skips the backfill with ?skip_backfill=true', async () => {
    const jobId = await new Driver(server).execute('pair');
    await postLines(server, jobId, 'small', 0, 5);
    let resolveOpen!: () => void;
    const open = new Promise<void>((r) => (resolveOpen = r));
    const reading = readSse(
      `http://${base}/api/jobs/${jobId}/logs/sse?step=small&skip_backfill=true`,
      {},
      resolveOpen,
    );
    await open;
    await postLines(server, jobId, 'big', 0, 5);
    await postLines(server, jobId, 'small', 5, 7);
    await finish(server, jobId);
    const { events } = await reading;
    expect(events.map((e) => (e.event === 'log' ? JSON.parse(e.data).line : e.event))).toEqual([
      lineText(5),
      lineText(6),
      'end',
    ]);
  });
});

describe('a second replica on the same database', () => {
  let replica: INestApplication;
  let replicaBase: string;

  beforeAll(async () => {
    // Its own log folder: the replicas share nothing but PostgreSQL.
    replica = await createApp(
      { ...server.config, log_storage: { local_dir: path.join(server.dir, 'replica-logs') } },
      server.config.db.url as string,
      false,
    );
    replicaBase = await listen(replica);
  });
  afterAll(() => replica?.close().catch(() => undefined));

  it('streams lines appended on the other replica, split notices included, via NOTIFY', async () => {
    const jobId = await new Driver(server).execute('pair');
    const { opened, done } = openWs(`ws://${replicaBase}/api/jobs/${jobId}/logs/stream`);
    await opened;
    await postLines(server, jobId, 'big', 0, 5000, 250);
    // One line longer than a NOTIFY payload: it travels in pieces and arrives whole.
    const long = 'é'.repeat(9000);
    await request(server.http)
      .post(`/worker/jobs/${jobId}/logs`)
      .send({ step_name: 'small', lines: [{ stream: 'stderr', line: long }] })
      .expect(200);
    await finish(server, jobId);
    const result = await done;
    expectSequence(
      result.lines.filter((l) => l.step === 'big').map((l) => l.line),
      5000,
    );
    expect(result.lines.filter((l) => l.step === 'small')).toEqual([
      expect.objectContaining({ stream: 'stderr', line: long }),
    ]);
    expect(result.code).toBe(1000);
  });
  it('ends open streams when the replica shuts down, instead of holding it open', async () => {
    const jobId = await new Driver(server).execute('pair');
    const ws = openWs(`ws://${replicaBase}/api/jobs/${jobId}/logs/stream`);
    await ws.opened;
    let resolveOpen!: () => void;
    const open = new Promise<void>((r) => (resolveOpen = r));
    const sse = readSse(`http://${replicaBase}/api/jobs/${jobId}/logs/sse`, {}, resolveOpen);
    await open;
    await replica.close();
    expect((await ws.done).code).toBe(1001);
    expect((await sse).events.at(-1)).toEqual({
      event: 'error',
      data: '{"error":"the server is shutting down"}',
    });
  });
});

describe('with auth and an ACL', () => {
  let secured: TestServer;
  let securedBase: string;
  let adminToken: string;
  let viewerToken: string;

  beforeAll(async () => {
    secured = await startTestServer(
      { '.workflows/w.yaml': WORKFLOWS },
      {
        auth: testAuthConfig(),
        acl: {
          default: 'deny',
          rules: [
            { workspace: '*', tasks: ['pair'], action: 'view', groups: ['viewers'], users: [] },
          ],
        },
      },
    );
    securedBase = await listen(secured.app);
    adminToken = (await login(secured.http)).accessToken;
    await request(secured.http)
      .post('/api/users')
      .set('Authorization', `Bearer ${adminToken}`)
      .send({ email: 'viewer@stroem.local', password: 'password-123', groups: ['viewers'] })
      .expect(201);
    viewerToken = (await login(secured.http, 'viewer@stroem.local', 'password-123')).accessToken;
  });
  afterAll(() => secured?.close());

  it('refuses the upgrade with 401 without a token and streams with ?token=', async () => {
    const d = new Driver(secured, adminToken);
    const jobId = await d.execute('pair');
    await postLines(secured, jobId, 'big', 0, 3);
    const anonymous = openWs(`ws://${securedBase}/api/jobs/${jobId}/logs/stream`);
    await expect(anonymous.opened).rejects.toThrow('HTTP 401');
    const bad = openWs(`ws://${securedBase}/api/jobs/${jobId}/logs/stream?token=nope`);
    await expect(bad.opened).rejects.toThrow('HTTP 401');

    const viaQuery = openWs(
      `ws://${securedBase}/api/jobs/${jobId}/logs/stream?token=${viewerToken}`,
    );
    const viaHeader = openWs(`ws://${securedBase}/api/jobs/${jobId}/logs/stream`, {
      Authorization: `Bearer ${adminToken}`,
    });
    await Promise.all([viaQuery.opened, viaHeader.opened]);
    await finish(secured, jobId);
    for (const { done } of [viaQuery, viaHeader])
      expect((await done).lines.map((l) => l.line)).toEqual([0, 1, 2].map(lineText));

    expect((await readSse(`http://${securedBase}/api/jobs/${jobId}/logs/sse`)).status).toBe(401);
    const sse = await readSse(
      `http://${securedBase}/api/jobs/${jobId}/logs/sse?token=${viewerToken}`,
    );
    expect(sse.events.filter((e) => e.event === 'log')).toHaveLength(4); // + "Job completed"
    const sseHeader = await readSse(`http://${securedBase}/api/jobs/${jobId}/logs/sse`, {
      Authorization: `Bearer ${viewerToken}`,
    });
    expect(sseHeader.events.at(-1)).toEqual({ event: 'end', data: '{"status":"completed"}' });
  });

  it('answers 404 for a job the ACL hides from the caller', async () => {
    const jobId = await new Driver(secured, adminToken).execute('secret');
    const ws = openWs(`ws://${securedBase}/api/jobs/${jobId}/logs/stream?token=${viewerToken}`);
    await expect(ws.opened).rejects.toThrow('HTTP 404');
    const sse = await readSse(
      `http://${securedBase}/api/jobs/${jobId}/logs/sse?token=${viewerToken}`,
    );
    expect(sse.status).toBe(404);
  });
});
