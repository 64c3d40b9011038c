/**
 * Password login, sessions with rotating refresh tokens, API keys and user administration
 * against a real server and database.
 */
import { randomUUID } from 'node:crypto';
import { CredentialRepository } from '@stroem/db';
import jwt from 'jsonwebtoken';
import request from 'supertest';
import { login, startTestServer, testAuthConfig, type TestServer } from '../../testing/test-server';
import { SessionPruner } from './session-pruner.service';

const WORKFLOWS = `
actions:
  ok: { type: script, script: "true" }
tasks:
  hello:
    flow:
      a: { action: ok }
`;

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer({ '.workflows/w.yaml': WORKFLOWS }, { auth: testAuthConfig() });
});
afterAll(() => server.close());

const http = () => request(server.http);
const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

function refreshCookie(res: request.Response): string | undefined {
  const cookies = ([] as string[]).concat(res.headers['set-cookie'] ?? []);
  return cookies.find((c) => c.startsWith('stroem_refresh='));
}

describe('public routes and the guard', () => {
  it('GET /api/config tells the console that login is needed', async () => {
    const res = await http().get('/api/config').expect(200);
    expect(res.body).toEqual({
      auth_required: true,
      has_internal_auth: true,
      oidc_providers: [],
      acl_enabled: false,
      version: expect.any(String),
    });
  });

  it('every other /api route needs a user; /worker and /healthz keep their own rules', async () => {
    for (const path of [
      '/api/tasks',
      '/api/jobs',
      '/api/workspaces',
      '/api/workers',
      '/api/auth/me',
    ]) {
      const res = await http().get(path).expect(401);
      expect(res.body).toEqual({ error: 'Authentication required' });
    }
    await http().get('/healthz').expect(200);
  });
});

describe('login', () => {
  it('returns an access token and sets the refresh cookie (HttpOnly, Strict, /api/auth)', async () => {
    const res = await http()
      .post('/api/auth/login')
      .send({ email: 'Admin@Stroem.local', password: 'admin' })
      .expect(200);
    const claims = jwt.verify(res.body.access_token as string, testAuthConfig().jwt_secret) as {
      sub: string;
      email: string;
      is_admin: boolean;
      iat: number;
      exp: number;
    };
    expect(claims).toMatchObject({ email: 'admin@stroem.local', is_admin: true });
    expect(claims.exp - claims.iat).toBe(900);
    const cookie = refreshCookie(res);
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    expect(cookie).toMatch(/Path=\/api\/auth/);
    expect(cookie).toMatch(/Max-Age=2592000/);
    expect(cookie).not.toMatch(/Secure/);
    const me = await http().get('/api/auth/me').set(bearer(res.body.access_token)).expect(200);
    expect(me.body).toMatchObject({ email: 'admin@stroem.local', is_admin: true, groups: [] });
  });

  it('refuses a wrong password and an unknown user with the same message', async () => {
    const wrong = await http()
      .post('/api/auth/login')
      .send({ email: 'admin@stroem.local', password: 'nope' })
      .expect(401);
    const unknown = await http()
      .post('/api/auth/login')
      .send({ email: 'ghost@stroem.local', password: 'nope' })
      .expect(401);
    expect(wrong.body).toEqual({ error: 'Invalid email or password' });
    expect(unknown.body).toEqual(wrong.body);
    await http().post('/api/auth/login').send({ email: 'x' }).expect(400);
  });

  it('records last_login_at', async () => {
    const { accessToken } = await login(server.http);
    const users = await http().get('/api/users').set(bearer(accessToken)).expect(200);
    expect(users.body.items[0].last_login_at).toEqual(expect.any(String));
  });
});

describe('refresh tokens', () => {
  it('rotate: each refresh spends the token and sets the next one', async () => {
    const { refreshToken } = await login(server.http);
    const res = await http()
      .post('/api/auth/refresh')
      .set('Cookie', `stroem_refresh=${refreshToken}`)
      .expect(200);
    expect(res.body).toEqual({ access_token: expect.any(String) });
    const next = /^stroem_refresh=([^;]*)/.exec(refreshCookie(res) ?? '')?.[1];
    expect(next).toBeTruthy();
    expect(next).not.toBe(refreshToken);
    await http().get('/api/auth/me').set(bearer(res.body.access_token)).expect(200);
  });

  it('accept the body token (CLI) and answer the next one in the body', async () => {
    const { refreshToken } = await login(server.http);
    const res = await http()
      .post('/api/auth/refresh')
      .send({ refresh_token: refreshToken })
      .expect(200);
    expect(res.body).toEqual({
      access_token: expect.any(String),
      refresh_token: expect.any(String),
    });
    expect(refreshCookie(res)).toBeUndefined();
  });

  it('reusing a spent token revokes the whole family', async () => {
    const { refreshToken: first } = await login(server.http);
    const second = (
      await http().post('/api/auth/refresh').send({ refresh_token: first }).expect(200)
    ).body.refresh_token as string;
    // The stolen first token comes back: refused, and the live second one dies with it.
    const reuse = await http().post('/api/auth/refresh').send({ refresh_token: first }).expect(401);
    expect(reuse.body).toEqual({ error: 'Invalid or expired refresh token' });
    await http().post('/api/auth/refresh').send({ refresh_token: second }).expect(401);
  });

  it('a family revocation leaves other sessions alone', async () => {
    const a = await login(server.http);
    const b = await login(server.http);
    await http().post('/api/auth/refresh').send({ refresh_token: a.refreshToken }).expect(200);
    await http().post('/api/auth/refresh').send({ refresh_token: a.refreshToken }).expect(401);
    await http().post('/api/auth/refresh').send({ refresh_token: b.refreshToken }).expect(200);
  });

  it('logout ends the session and clears the cookie', async () => {
    const { refreshToken } = await login(server.http);
    const res = await http()
      .post('/api/auth/logout')
      .set('Cookie', `stroem_refresh=${refreshToken}`)
      .expect(200);
    expect(res.body).toEqual({ status: 'ok' });
    expect(refreshCookie(res)).toMatch(/Max-Age=0/);
    await http().post('/api/auth/refresh').send({ refresh_token: refreshToken }).expect(401);
  });

  it('tokens expired for over a day are pruned; live and recently spent ones stay', async () => {
    const { refreshToken } = await login(server.http);
    const me = await http()
      .get('/api/auth/me')
      .set(bearer((await login(server.http)).accessToken));
    const credentials = server.app.get(CredentialRepository);
    await credentials.storeRefreshToken('stale-hash', me.body.user_id, randomUUID(), -2 * 86400);
    const pruned = await server.app.get(SessionPruner).pruneOnce();
    expect(pruned).toBeGreaterThanOrEqual(1);
    expect(await credentials.spendRefreshToken('stale-hash')).toEqual({ kind: 'unknown' });
    await http().post('/api/auth/refresh').send({ refresh_token: refreshToken }).expect(200);
  });

  it('a missing or made-up token is a 401', async () => {
    await http().post('/api/auth/refresh').expect(401);
    await http().post('/api/auth/refresh').send({ refresh_token: 'made-up' }).expect(401);
  });
});

describe('users, passwords and API keys', () => {
  let admin: string;
  beforeAll(async () => {
    admin = (await login(server.http)).accessToken;
  });

  it('an admin creates a user who logs in; a non-admin gets 403 on admin routes', async () => {
    const created = await http()
      .post('/api/users')
      .set(bearer(admin))
      .send({ email: 'Ops@Example.com', name: 'Ops', password: 'ops-password', groups: ['ops'] })
      .expect(201);
    expect(created.body).toEqual({
      user_id: expect.any(String),
      email: 'ops@example.com',
      name: 'Ops',
      groups: ['ops'],
      is_admin: false,
    });
    await http()
      .post('/api/users')
      .set(bearer(admin))
      .send({ email: 'ops@example.com' })
      .expect(409);
    const ops = await login(server.http, 'ops@example.com', 'ops-password');
    const forbidden = await http().get('/api/users').set(bearer(ops.accessToken)).expect(403);
    expect(forbidden.body).toEqual({ error: 'Administrator rights required' });
    await http().get('/api/groups').set(bearer(ops.accessToken)).expect(403);

    const id = created.body.user_id as string;
    await http()
      .put(`/api/users/${id}/groups`)
      .set(bearer(admin))
      .send({ groups: ['ops', 'deployers'] })
      .expect(200);
    const groups = await http().get(`/api/users/${id}/groups`).set(bearer(admin)).expect(200);
    expect(groups.body).toEqual({ groups: ['deployers', 'ops'] });
    await http()
      .put(`/api/users/${id}/groups`)
      .set(bearer(admin))
      .send({ groups: ['bad name'] })
      .expect(400);
    const detail = await http().get(`/api/users/${id}`).set(bearer(admin)).expect(200);
    expect(detail.body).toMatchObject({ auth_methods: ['password'], is_admin: false });

    // Admin rights are read per request: granting takes effect on the same token.
    await http()
      .put(`/api/users/${id}/admin`)
      .set(bearer(admin))
      .send({ is_admin: true })
      .expect(200);
    await http().get('/api/users').set(bearer(ops.accessToken)).expect(200);
    await http().get('/api/users/not-a-uuid').set(bearer(admin)).expect(400);
  });

  it('an admin cannot revoke their own admin rights', async () => {
    const me = await http().get('/api/auth/me').set(bearer(admin)).expect(200);
    const res = await http()
      .put(`/api/users/${me.body.user_id}/admin`)
      .set(bearer(admin))
      .send({ is_admin: false })
      .expect(400);
    expect(res.body.error).toMatch(/own admin/);
  });

  it('changing the password revokes every refresh token and needs the current one', async () => {
    await http()
      .post('/api/users')
      .set(bearer(admin))
      .send({ email: 'pw@example.com', password: 'first-password' })
      .expect(201);
    const other = await login(server.http, 'pw@example.com', 'first-password');
    const session = await login(server.http, 'pw@example.com', 'first-password');
    await http()
      .post('/api/auth/password')
      .set(bearer(session.accessToken))
      .send({ current_password: 'wrong', new_password: 'second-password' })
      .expect(401);
    await http()
      .post('/api/auth/password')
      .set(bearer(session.accessToken))
      .send({ current_password: 'first-password', new_password: 'short' })
      .expect(400);
    const changed = await http()
      .post('/api/auth/password')
      .set(bearer(session.accessToken))
      .send({ current_password: 'first-password', new_password: 'second-password' })
      .expect(200);
    expect(changed.body.access_token).toEqual(expect.any(String));
    await http().post('/api/auth/refresh').send({ refresh_token: other.refreshToken }).expect(401);
    await http()
      .post('/api/auth/refresh')
      .send({ refresh_token: session.refreshToken })
      .expect(401);
    await http()
      .post('/api/auth/login')
      .send({ email: 'pw@example.com', password: 'first-password' })
      .expect(401);
    await login(server.http, 'pw@example.com', 'second-password');
  });

  it('API keys: shown once, listed by prefix, usable as a bearer, revocable', async () => {
    const created = await http()
      .post('/api/auth/api-keys')
      .set(bearer(admin))
      .send({ name: 'ci', expires_in_days: 30 })
      .expect(200);
    const key = created.body.key as string;
    expect(key).toMatch(/^strm_[0-9a-f]{32}$/);
    expect(created.body).toMatchObject({ name: 'ci', prefix: key.slice(0, 12) });
    expect(Date.parse(created.body.expires_at as string)).toBeGreaterThan(
      Date.now() + 29 * 86400e3,
    );

    const me = await http().get('/api/auth/me').set(bearer(key)).expect(200);
    expect(me.body.email).toBe('admin@stroem.local');
    await http().get('/api/tasks').set(bearer(key)).expect(200);

    const list = await http().get('/api/auth/api-keys').set(bearer(admin)).expect(200);
    const listed = (list.body as { prefix: string; last_used_at: string | null }[]).find(
      (k) => k.prefix === key.slice(0, 12),
    );
    expect(listed?.last_used_at).toEqual(expect.any(String));
    expect(JSON.stringify(list.body)).not.toContain(key);

    // Keys do not manage keys.
    await http().get('/api/auth/api-keys').set(bearer(key)).expect(403);
    await http().post('/api/auth/api-keys').set(bearer(admin)).send({ name: ' ' }).expect(400);
    await http()
      .post('/api/auth/api-keys')
      .set(bearer(admin))
      .send({ name: 'x', expires_in_days: 0 })
      .expect(400);

    await http()
      .delete(`/api/auth/api-keys/${key.slice(0, 12)}`)
      .set(bearer(admin))
      .expect(200);
    await http().get('/api/auth/me').set(bearer(key)).expect(401);
    await http()
      .delete(`/api/auth/api-keys/${key.slice(0, 12)}`)
      .set(bearer(admin))
      .expect(404);
  });

  it('a deleted user is locked out at once, also with a live access token', async () => {
    const created = await http()
      .post('/api/users')
      .set(bearer(admin))
      .send({ email: 'gone@example.com', password: 'gone-password' })
      .expect(201);
    const gone = await login(server.http, 'gone@example.com', 'gone-password');
    await http().get('/api/auth/me').set(bearer(gone.accessToken)).expect(200);
    await http().delete(`/api/users/${created.body.user_id}`).set(bearer(admin)).expect(200);
    await http().get('/api/auth/me').set(bearer(gone.accessToken)).expect(401);
    await http().post('/api/auth/refresh').send({ refresh_token: gone.refreshToken }).expect(401);
  });
});
