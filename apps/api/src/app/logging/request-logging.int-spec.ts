// JSON request logs: a request id per request (honoured from X-Request-Id when safe), echoed in
// the response and carried by the log lines; no headers, bodies or secret query values.
import type { LoggerService } from '@nestjs/common';
import request from 'supertest';
import { startTestServer, type TestServer } from '../../testing/test-server';

class CapturingLogger implements LoggerService {
  readonly lines: string[] = [];
  log(message: unknown) {
    this.lines.push(String(message));
  }
  error(message: unknown) {
    this.lines.push(String(message));
  }
  warn(message: unknown) {
    this.lines.push(String(message));
  }
}

const logger = new CapturingLogger();
let server: TestServer;

beforeAll(async () => {
  server = await startTestServer({ '.workflows/w.yaml': 'tasks: {}\n' }, {}, logger);
});
afterAll(() => server.close());

/** The parsed JSON log lines that carry request id `id`. */
function linesOf(id: string): Record<string, unknown>[] {
  return logger.lines
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>)
    .filter((l) => (l['req'] as { id?: string } | undefined)?.id === id);
}

async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 100 && !check(); i++) await new Promise((r) => setTimeout(r, 20));
}

describe('request logs', () => {
  it('honours a valid X-Request-Id, echoes it and logs it with the request', async () => {
    const res = await request(server.http)
      .get('/api/workspaces')
      .set('X-Request-Id', 'trace-42.a_b')
      .expect(200);
    expect(res.headers['x-request-id']).toBe('trace-42.a_b');
    await until(() => linesOf('trace-42.a_b').length > 0);
    const [line] = linesOf('trace-42.a_b');
    expect(line).toMatchObject({
      req: { id: 'trace-42.a_b', method: 'GET', url: '/api/workspaces' },
      res: { statusCode: 200 },
    });
  });

  it('logs the routine worker polls (claim, heartbeat) at debug, other requests at info', async () => {
    const reg = await request(server.http)
      .post('/worker/register')
      .send({ name: 'w', capabilities: ['script'] })
      .expect(200);
    await request(server.http)
      .post('/worker/heartbeat')
      .set('X-Request-Id', 'heartbeat-1')
      .send({ worker_id: reg.body.worker_id })
      .expect(200);
    await request(server.http).get('/api/workspaces').set('X-Request-Id', 'after-1').expect(200);
    await until(() => linesOf('after-1').length > 0 && linesOf('heartbeat-1').length > 0);
    const PINO_DEBUG = 20;
    const PINO_INFO = 30;
    expect(linesOf('heartbeat-1').map((l) => l['level'])).toEqual([PINO_DEBUG]);
    expect(linesOf('after-1').map((l) => l['level'])).toEqual([PINO_INFO]);
  });

  it('replaces an unsafe or overlong X-Request-Id with a UUID', async () => {
    for (const given of ['bad id!', 'x'.repeat(129), '<script>']) {
      const res = await request(server.http).get('/api/workspaces').set('X-Request-Id', given);
      expect(res.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    }
    const plain = await request(server.http).get('/api/workspaces');
    expect(plain.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('never logs headers, cookies, bodies or secret query values', async () => {
    await request(server.http)
      .post('/api/auth/login?token=query-token-value&secret=query-secret-value&page=2')
      .set('X-Request-Id', 'secrets-1')
      .set('Authorization', 'Bearer header-token-value')
      .set('Cookie', 'stroem_refresh=cookie-token-value')
      .send({ email: 'a@b.c', password: 'body-password-value' });
    await until(() => linesOf('secrets-1').length > 0);
    const [line] = linesOf('secrets-1');
    expect((line['req'] as { url: string }).url).toBe(
      '/api/auth/login?token=[REDACTED]&secret=[REDACTED]&page=2',
    );
    const all = logger.lines.join('\n');
    for (const secret of [
      'query-token-value',
      'query-secret-value',
      'header-token-value',
      'cookie-token-value',
      'body-password-value',
    ])
      expect(all).not.toContain(secret);
  });
});
