/**
 * What an attacker tries: forged, expired, tampered, `alg: none` and wrong-algorithm tokens,
 * refresh tokens used as access tokens, replayed refresh tokens, password guessing, path
 * traversal through every path parameter, and fishing for secrets in job detail, logs and
 * the server's own log output.
 */
import type { LoggerService } from '@nestjs/common';
import jwt from 'jsonwebtoken';
import request from 'supertest';
import {
  Driver,
  login,
  startTestServer,
  testAuthConfig,
  type TestServer,
} from '../../testing/test-server';

const SECRET_VALUE = 'hunter2-db-password-value';
const WORKFLOWS = `
secrets:
  db_password: "${SECRET_VALUE}"
actions:
  use-secret:
    type: script
    script: "echo connecting"
    input:
      password: { type: string }
tasks:
  leaky:
    flow:
      connect: { action: use-secret, input: { password: "{{ secret.db_password }}" } }
`;

/** Every line the server logs, at every level. */
class CapturingLogger implements LoggerService {
  readonly lines: string[] = [];
  private keep(...parts: unknown[]): void {
    this.lines.push(
      parts.map((p) => (p instanceof Error ? `${p.message} ${p.stack}` : String(p))).join(' '),
    );
  }
  log(...parts: unknown[]) {
    this.keep(...parts);
  }
  error(...parts: unknown[]) {
    this.keep(...parts);
  }
  warn(...parts: unknown[]) {
    this.keep(...parts);
  }
  debug(...parts: unknown[]) {
    this.keep(...parts);
  }
  verbose(...parts: unknown[]) {
    this.keep(...parts);
  }
  fatal(...parts: unknown[]) {
    this.keep(...parts);
  }
}

const logger = new CapturingLogger();
const auth = testAuthConfig();
let server: TestServer;
let adminToken: string;
let adminUserId: string;

beforeAll(async () => {
  server = await startTestServer({ '.workflows/w.yaml': WORKFLOWS }, { auth }, logger);
  adminToken = (await login(server.http)).accessToken;
  adminUserId = (
    await request(server.http).get('/api/auth/me').set('Authorization', `Bearer ${adminToken}`)
  ).body.user_id as string;
});
afterAll(() => server.close());

const asBearer = (token: string) =>
  request(server.http).get('/api/auth/me').set('Authorization', `Bearer ${token}`);

function b64url(value: object): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

describe('access tokens', () => {
  const now = () => Math.floor(Date.now() / 1000);
  const claims = () => ({ sub: adminUserId, email: 'admin@stroem.local', is_admin: true });

  it('a valid token works (the baseline the other cases differ from)', async () => {
    const token = jwt.sign(claims(), auth.jwt_secret, { algorithm: 'HS256', expiresIn: 60 });
    await asBearer(token).expect(200);
  });

  it('an expired token is rejected', async () => {
    const token = jwt.sign({ ...claims(), iat: now() - 1000, exp: now() - 10 }, auth.jwt_secret, {
      algorithm: 'HS256',
    });
    const res = await asBearer(token).expect(401);
    expect(res.body).toEqual({ error: 'Authentication required' });
  });

  it('a tampered payload (signature of another payload) is rejected', async () => {
    const viewer = jwt.sign({ ...claims(), is_admin: false }, auth.jwt_secret, {
      algorithm: 'HS256',
      expiresIn: 60,
    });
    const [header, , signature] = viewer.split('.');
    const forged = `${header}.${b64url({ ...claims(), iat: now(), exp: now() + 60 })}.${signature}`;
    await asBearer(forged).expect(401);
  });

  it('alg "none" is rejected', async () => {
    const token = `${b64url({ alg: 'none', typ: 'JWT' })}.${b64url({ ...claims(), iat: now(), exp: now() + 60 })}.`;
    await asBearer(token).expect(401);
  });

  it('another algorithm with the right secret (HS512) is rejected', async () => {
    const token = jwt.sign(claims(), auth.jwt_secret, { algorithm: 'HS512', expiresIn: 60 });
    await asBearer(token).expect(401);
  });

  it('a token signed with another secret is rejected', async () => {
    const token = jwt.sign(claims(), 'x'.repeat(40), { algorithm: 'HS256', expiresIn: 60 });
    await asBearer(token).expect(401);
  });

  it('an audience-bound (OAuth) token is rejected on /api', async () => {
    const token = jwt.sign({ ...claims(), aud: 'https://mcp.example' }, auth.jwt_secret, {
      algorithm: 'HS256',
      expiresIn: 60,
    });
    await asBearer(token).expect(401);
  });

  it('a refresh token is no access token, and an access token no refresh token', async () => {
    const session = await login(server.http);
    await asBearer(session.refreshToken).expect(401);
    await request(server.http)
      .post('/api/auth/refresh')
      .send({ refresh_token: session.accessToken })
      .expect(401);
  });

  it('malformed Authorization headers and made-up API keys are rejected', async () => {
    for (const header of ['Bearer', 'Basic YWRtaW46YWRtaW4=', `Bearer ${'a'.repeat(5000)}`]) {
      await request(server.http).get('/api/tasks').set('Authorization', header).expect(401);
    }
    await asBearer(`strm_${'0'.repeat(32)}`).expect(401);
    await asBearer('strm_../../etc/passwd').expect(401);
  });
});

describe('refresh token reuse', () => {
  it('a replayed refresh token revokes the family: the thief and the owner are both out', async () => {
    const { refreshToken } = await login(server.http);
    const owner = await request(server.http)
      .post('/api/auth/refresh')
      .send({ refresh_token: refreshToken })
      .expect(200);
    await request(server.http)
      .post('/api/auth/refresh')
      .send({ refresh_token: refreshToken })
      .expect(401);
    await request(server.http)
      .post('/api/auth/refresh')
      .send({ refresh_token: owner.body.refresh_token })
      .expect(401);
  });
});

describe('path traversal', () => {
  const bad = [
    '..%2F..%2F..%2Fetc%2Fpasswd',
    '%2e%2e%2f%2e%2e%2fetc%2fpasswd',
    '..',
    '__proto__',
    'constructor',
  ];

  it('no path parameter of /api, /worker or /hooks reads outside its data', async () => {
    const jobId = await new Driver(server, adminToken).execute('leaky');
    const routes = (p: string) => [
      ['get', `/api/workspaces/${p}/tasks`],
      ['get', `/api/workspaces/${p}/triggers`],
      ['post', `/api/workspaces/${p}/refresh`],
      ['get', `/api/workspaces/default/tasks/${p}`],
      ['post', `/api/workspaces/default/tasks/${p}/execute`],
      ['post', `/api/workspaces/${p}/tasks/leaky/execute`],
      ['get', `/api/jobs/${p}`],
      ['get', `/api/jobs/${p}/logs`],
      ['get', `/api/jobs/${jobId}/steps/${p}/logs`],
      ['post', `/api/jobs/${p}/cancel`],
      ['post', `/api/jobs/${jobId}/steps/${p}/approve`],
      ['get', `/api/workers/${p}`],
      ['get', `/api/users/${p}`],
      ['delete', `/api/auth/api-keys/${p}`],
      ['get', `/worker/workspace/${p}`],
      ['get', `/worker/workspace/${p}.tar.gz`],
      ['get', `/worker/workspace/default.tar.gz?revision=${p}`],
      ['get', `/hooks/${p}`],
      ['get', `/hooks/${p}/jobs/${jobId}`],
    ];
    const answers: string[] = [];
    for (const p of bad) {
      for (const [method, path] of routes(p)) {
        const agent = request(server.http) as unknown as Record<
          string,
          (u: string) => request.Test
        >;
        const res = await agent[method](path).set('Authorization', `Bearer ${adminToken}`).send({});
        if (![400, 404].includes(res.status) || /root:|\[object |function |ENOENT/.test(res.text))
          answers.push(`${method.toUpperCase()} ${path} → ${res.status} ${res.text.slice(0, 200)}`);
      }
    }
    expect(answers).toEqual([]);
  });
});

describe('secrets', () => {
  it('never appear in job detail, the logs API or the server log', async () => {
    const d = new Driver(server, adminToken);
    const jobId = await d.execute('leaky');
    const worker = await d.registerWorker();
    const claim = await request(server.http)
      .post('/worker/jobs/claim')
      .send({ worker_id: worker, capabilities: ['script'], tags: [] })
      .expect(200);
    expect(claim.body.input.password).toBe(SECRET_VALUE); // the worker needs it
    await request(server.http)
      .post(`/worker/jobs/${jobId}/logs`)
      .send({
        step_name: 'connect',
        lines: [{ stream: 'stdout', line: `password is ${SECRET_VALUE}` }],
      })
      .expect(200);
    await d.fail(jobId, 'connect', `could not log in with ${SECRET_VALUE}`);
    // Wrong logins carry passwords in their bodies; they must not be logged either.
    await request(server.http)
      .post('/api/auth/login')
      .send({ email: 'admin@stroem.local', password: 'guess-password-123' })
      .expect(401);

    const detail = await request(server.http)
      .get(`/api/jobs/${jobId}`)
      .set('Authorization', `Bearer ${adminToken}`)
      .expect(200);
    expect(detail.body.status).toBe('failed');
    expect(JSON.stringify(detail.body)).not.toContain(SECRET_VALUE);
    expect(JSON.stringify(detail.body)).toContain('••••••');
    for (const path of [`/api/jobs/${jobId}/logs`, `/api/jobs/${jobId}/steps/connect/logs`]) {
      const logs = await request(server.http)
        .get(path)
        .set('Authorization', `Bearer ${adminToken}`)
        .expect(200);
      expect(logs.body.logs).toContain('password is');
      expect(logs.body.logs).not.toContain(SECRET_VALUE);
    }
    const serverLog = logger.lines.join('\n');
    expect(logger.lines.length).toBeGreaterThan(0);
    for (const secret of [SECRET_VALUE, 'guess-password-123', auth.jwt_secret, adminToken]) {
      expect(serverLog).not.toContain(secret);
    }
  });
});

describe('password guessing', () => {
  let limited: TestServer;
  beforeAll(async () => {
    limited = await startTestServer(
      { '.workflows/w.yaml': WORKFLOWS },
      {
        auth: testAuthConfig({
          rate_limits: { login_per_min: 20, refresh_per_min: 30, api_keys_per_min: 60 },
        }),
      },
    );
  });
  afterAll(() => limited.close());

  it('200 wrong logins from one IP: 401 up to the limit, then 429 with Retry-After', async () => {
    const statuses: number[] = [];
    let last: request.Response | undefined;
    for (let i = 0; i < 200; i++) {
      last = await request(limited.http)
        .post('/api/auth/login')
        .send({ email: 'admin@stroem.local', password: `wrong-${i}` });
      statuses.push(last.status);
    }
    expect(statuses.slice(0, 20).every((s) => s === 401)).toBe(true);
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(175);
    expect(statuses.filter((s) => s !== 401 && s !== 429)).toEqual([]);
    expect(last?.status).toBe(429);
    expect(Number(last?.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(last?.body).toEqual({
      error: 'Too many requests',
      retry_after_secs: expect.any(Number),
    });
    // The right password does not get through either while the IP is limited.
    await request(limited.http)
      .post('/api/auth/login')
      .send({ email: 'admin@stroem.local', password: 'admin' })
      .expect(429);
  });
});

describe('headers and limits', () => {
  it('sets security headers and no-store on API answers', async () => {
    const res = await request(server.http).get('/api/config').expect(200);
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['x-frame-options']).toBe('DENY');
    expect(res.headers['content-security-policy']).toMatch(/default-src 'self'/);
    expect(res.headers['content-security-policy']).toMatch(/frame-ancestors 'none'/);
    expect(res.headers['referrer-policy']).toBe('no-referrer');
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers['x-powered-by']).toBeUndefined();
    // No base_url: plain http, no HSTS, and no CORS grant to any origin.
    expect(res.headers['strict-transport-security']).toBeUndefined();
    const cors = await request(server.http)
      .get('/api/config')
      .set('Origin', 'https://evil.example');
    expect(cors.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('an /api body beyond the limit is a 413 with a message', async () => {
    const res = await request(server.http)
      .post('/api/auth/login')
      .set('Content-Type', 'application/json')
      .send(JSON.stringify({ email: 'a@b.c', password: 'x'.repeat(3 * 1024 * 1024) }))
      .expect(413);
    expect(res.body.error).toMatch(/exceeds the 2097152-byte limit/);
  });
});

describe('behind https (auth.base_url)', () => {
  let secure: TestServer;
  beforeAll(async () => {
    secure = await startTestServer(
      { '.workflows/w.yaml': WORKFLOWS },
      { auth: testAuthConfig({ base_url: 'https://stroem.example.com' }) },
    );
  });
  afterAll(() => secure.close());

  it('marks the refresh cookie Secure and sends HSTS', async () => {
    const res = await request(secure.http)
      .post('/api/auth/login')
      .send({ email: 'admin@stroem.local', password: 'admin' })
      .expect(200);
    const cookie = ([] as string[]).concat(res.headers['set-cookie'] ?? []).join(';');
    expect(cookie).toMatch(/stroem_refresh=.*Secure/);
    expect(res.headers['strict-transport-security']).toMatch(/max-age=31536000/);
  });

  it('grants CORS to the base_url origin only', async () => {
    const own = await request(secure.http)
      .options('/api/tasks')
      .set('Origin', 'https://stroem.example.com')
      .set('Access-Control-Request-Method', 'GET');
    expect(own.headers['access-control-allow-origin']).toBe('https://stroem.example.com');
    expect(own.headers['access-control-allow-credentials']).toBe('true');
    const evil = await request(secure.http)
      .options('/api/tasks')
      .set('Origin', 'https://evil.example')
      .set('Access-Control-Request-Method', 'GET');
    expect(evil.headers['access-control-allow-origin']).not.toBe('https://evil.example');
  });
});
