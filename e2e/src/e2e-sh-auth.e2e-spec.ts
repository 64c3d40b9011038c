/**
 * Upstream's `tests/e2e.sh` as upstream runs it: auth on, the seeded admin logged in
 * (reference §4.1 items 1–9 and 10), against a real server and worker.
 */
import { join } from 'node:path';
import { REPO_ROOT, useStack } from './harness/stack';
import { Api } from './harness/api';
import { describeUpstreamE2eSh } from './scenarios/upstream-e2e-sh';

const ADMIN = { email: 'admin@stroem.local', password: 'admin' };

const stack = useStack({
  workspaces: { default: join(REPO_ROOT, 'examples/default') },
  serverConfig: {
    auth: {
      jwt_secret: 'e2e-jwt-secret-0123456789abcdef0123456789',
      refresh_secret: 'e2e-refresh-secret-0123456789abcdef012345',
      initial_user: ADMIN,
    },
  },
  login: ADMIN,
});

describe('§4.1.2 login', () => {
  it('the API needs a user: 401 without a token, public config says so', async () => {
    const anonymous = new Api(stack().url);
    const tasks = await anonymous.get('/api/workspaces/default/tasks');
    expect(tasks.status).toBe(401);
    expect(tasks.body).toEqual({ error: 'Authentication required' });
    const config = await anonymous.get<Record<string, unknown>>('/api/config');
    expect(config.body).toMatchObject({ auth_required: true, has_internal_auth: true });
  });

  it('the seeded admin logs in and gets a non-null access_token', async () => {
    const fresh = new Api(stack().url);
    const token = await fresh.login(ADMIN.email, ADMIN.password);
    expect(token).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
    const me = await fresh.get<Record<string, unknown>>('/api/auth/me');
    expect(me.body).toMatchObject({ email: ADMIN.email, is_admin: true });
  });
});

describeUpstreamE2eSh(stack, { source_type: 'user', source_id: ADMIN.email });
