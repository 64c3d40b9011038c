/**
 * OIDC single sign-on (reference §1.16, §3.2) against a real OpenID provider (oidc-provider in a
 * child process) and a real database, over real HTTP: a small cookie-keeping "browser" follows
 * the redirects from the API to the provider and back.
 */
import { createHash } from 'node:crypto';
import { createServer } from 'node:net';
import {
  startOidcProvider,
  type OidcProviderEvent,
  type OidcTestProvider,
} from '../../../testing/oidc-provider/oidc-provider';
import { startTestServer, testAuthConfig, type TestServer } from '../../../testing/test-server';
import {
  OIDC_STATE_COOKIE,
  type OidcFlowState,
  readOidcState,
  signOidcState,
} from './oidc-state-cookie';
import { newCodeVerifier } from './pkce-oidc.strategy';

const ACCOUNTS = [
  { sub: 'alice-sub', email: 'alice@example.com', email_verified: true, name: 'Alice' },
  { sub: 'bob-sub', email: 'bob@example.com', email_verified: true, name: 'Bob' },
  { sub: 'carol-sub', email: 'carol@example.com', email_verified: true, name: 'Carol' },
  { sub: 'dave-sub', email: 'dave@example.com', email_verified: false, name: 'Dave' },
  { sub: 'erin-sub', name: 'Erin' },
];
const CLIENT_SECRET = 'corp-client-secret-0123456789';

let idp: OidcTestProvider;
/** Advertises only client_secret_post and signs ID tokens with ES256. */
let strictIdp: OidcTestProvider;
/** Publishes keys it does not sign with. */
let forgingIdp: OidcTestProvider;
/** Configured before it runs (discovery fails), started later. */
let lateIdp: OidcTestProvider | undefined;
let latePort: number;
let server: TestServer;
let api: string;
const auth = testAuthConfig({ initial_user: undefined });

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

const client = (provider: string) => ({
  client_id: 'stroem',
  client_secret: CLIENT_SECRET,
  redirect_uris: [`${api}/api/auth/oidc/${provider}/callback`],
});

const oidcProvider = (issuer: string, displayName: string) => ({
  provider_type: 'oidc' as const,
  display_name: displayName,
  issuer_url: issuer,
  client_id: 'stroem',
  client_secret: CLIENT_SECRET,
  scopes: ['email', 'profile'],
  default_groups: ['engineering', 'sso'],
});

beforeAll(async () => {
  const port = await freePort();
  latePort = await freePort();
  api = `http://127.0.0.1:${port}`;
  [idp, strictIdp, forgingIdp] = await Promise.all([
    startOidcProvider({ clients: [client('corp')], accounts: ACCOUNTS }),
    startOidcProvider({
      clients: [
        {
          ...client('strict'),
          token_endpoint_auth_method: 'client_secret_post',
          id_token_signed_response_alg: 'ES256',
        },
      ],
      clientAuthMethods: ['client_secret_post'],
      accounts: ACCOUNTS,
    }),
    startOidcProvider({ clients: [client('forged')], accounts: ACCOUNTS, foreignJwks: true }),
  ]);
  server = await startTestServer(
    {},
    {
      auth: {
        ...auth,
        providers: {
          corp: oidcProvider(idp.issuer, 'Corp SSO'),
          strict: oidcProvider(strictIdp.issuer, 'Strict SSO'),
          forged: oidcProvider(forgingIdp.issuer, 'Forged SSO'),
          late: oidcProvider(`http://127.0.0.1:${latePort}`, 'Late SSO'),
          internal: { provider_type: 'internal', display_name: 'Password', default_groups: [] },
        },
      },
    },
  );
  await server.app.listen(port, '127.0.0.1');
});
afterAll(async () => {
  await server?.close();
  await Promise.all([idp?.close(), strictIdp?.close(), forgingIdp?.close(), lateIdp?.close()]);
});

/** Cookies per host:port, sent back as a browser would (paths ignored; harmless here). */
class Browser {
  readonly jar = new Map<string, Map<string, string>>();

  async get(url: string): Promise<Response> {
    const target = new URL(url);
    const cookies = [...(this.jar.get(target.host) ?? new Map<string, string>())]
      .map(([k, v]) => `${k}=${v}`)
      .join('; ');
    const res = await fetch(target, {
      redirect: 'manual',
      headers: cookies ? { cookie: cookies } : {},
    });
    const jar = this.jar.get(target.host) ?? new Map<string, string>();
    this.jar.set(target.host, jar);
    for (const line of res.headers.getSetCookie()) {
      const [pair, ...attrs] = line.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const expired = attrs.some(
        (a) => /^\s*max-age=0\s*$/i.test(a) || /^\s*expires=Thu, 01 Jan 1970/i.test(a),
      );
      if (expired) jar.delete(name);
      else jar.set(name, pair.slice(eq + 1).trim());
    }
    return res;
  }

  cookie(url: string, name: string): string | undefined {
    return this.jar.get(new URL(url).host)?.get(name);
  }

  setCookie(url: string, name: string, value: string | undefined): void {
    const host = new URL(url).host;
    const jar = this.jar.get(host) ?? new Map<string, string>();
    this.jar.set(host, jar);
    if (value === undefined) jar.delete(name);
    else jar.set(name, value);
  }
}

function location(res: Response, base: string): string {
  expect([302, 303]).toContain(res.status);
  const to = res.headers.get('location');
  if (!to) throw new Error(`${res.status} without Location`);
  return new URL(to, base).toString();
}

/** The fragment of `/login/callback#…`. */
function fragment(res: Response): URLSearchParams {
  expect(res.status).toBe(302);
  const to = new URL(res.headers.get('location') ?? '', api);
  expect(to.pathname).toBe('/login/callback');
  return new URLSearchParams(to.hash.slice(1));
}

interface Started {
  browser: Browser;
  /** The authorization request the API redirected to. */
  authorize: URL;
  /** The state cookie as set by the API (before the provider round trip). */
  stateCookie: string;
  startResponse: Response;
}

async function startLogin(browser = new Browser(), provider = 'corp'): Promise<Started> {
  const startResponse = await browser.get(`${api}/api/auth/oidc/${provider}`);
  const authorize = new URL(location(startResponse, api));
  return {
    browser,
    authorize,
    startResponse,
    stateCookie: browser.cookie(api, OIDC_STATE_COOKIE) ?? '',
  };
}

/** Logs `account` in at the provider; returns the callback URL the provider sends back. */
async function signInAtProvider(started: Started, account: string): Promise<URL> {
  const { browser } = started;
  let url = started.authorize.toString();
  for (let hops = 0; hops < 10; hops++) {
    const res = await browser.get(url);
    const next = new URL(location(res, url));
    if (next.origin === api) return next;
    if (next.pathname.startsWith('/interaction/')) next.searchParams.set('account', account);
    url = next.toString();
  }
  throw new Error('the provider did not redirect back');
}

async function loginAs(account: string, provider = 'corp'): Promise<URLSearchParams> {
  const started = await startLogin(new Browser(), provider);
  const callback = await signInAtProvider(started, account);
  return fragment(await started.browser.get(callback.toString()));
}

async function me(accessToken: string) {
  const res = await fetch(`${api}/api/auth/me`, {
    headers: { authorization: `Bearer ${accessToken}` },
  });
  expect(res.status).toBe(200);
  return (await res.json()) as {
    user_id: string;
    email: string;
    name: string | null;
    is_admin: boolean;
    groups: string[];
  };
}

const sha256 = (s: string) => createHash('sha256').update(s).digest('base64url');
const eventsSince = (n: number): OidcProviderEvent[] => idp.events.slice(n);

function resign(cookie: string, change: Partial<OidcFlowState>): string {
  const reading = readOidcState(cookie, auth.refresh_secret);
  if (!('state' in reading)) throw new Error(reading.error);
  return signOidcState({ ...reading.state, ...change }, auth.refresh_secret);
}

let adminToken: string;

describe('the login round trip', () => {
  it('GET /api/config lists the OIDC providers by id and display name', async () => {
    const res = await fetch(`${api}/api/config`);
    const body = (await res.json()) as { oidc_providers: unknown };
    expect(body.oidc_providers).toEqual([
      { id: 'corp', display_name: 'Corp SSO' },
      { id: 'strict', display_name: 'Strict SSO' },
      { id: 'forged', display_name: 'Forged SSO' },
      { id: 'late', display_name: 'Late SSO' },
    ]);
  });

  it('redirects to the provider with an S256 challenge, a nonce and a signed Lax state cookie', async () => {
    const { authorize, startResponse } = await startLogin();
    expect(`${authorize.origin}${authorize.pathname}`).toBe(`${idp.issuer}/auth`);
    const q = authorize.searchParams;
    expect(q.get('response_type')).toBe('code');
    expect(q.get('client_id')).toBe('stroem');
    expect(q.get('redirect_uri')).toBe(`${api}/api/auth/oidc/corp/callback`);
    expect(q.get('scope')).toBe('openid email profile');
    expect(q.get('code_challenge_method')).toBe('S256');
    expect(q.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(q.get('nonce')).toBeTruthy();
    expect(q.get('state')).toBeTruthy();

    const cookie = startResponse.headers
      .getSetCookie()
      .find((c) => c.startsWith(`${OIDC_STATE_COOKIE}=`));
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Lax/);
    expect(cookie).toMatch(/Path=\/api\/auth\/oidc/);
    expect(cookie).toMatch(/Max-Age=600/);
    expect(cookie).not.toMatch(/Secure/);
    expect(cookie).not.toContain(CLIENT_SECRET);
  });

  it('signs the user in: provider login → callback → #access_token that works on /api/auth/me', async () => {
    const started = await startLogin();
    const callback = await signInAtProvider(started, 'alice-sub');
    expect(callback.pathname).toBe('/api/auth/oidc/corp/callback');
    const res = await started.browser.get(callback.toString());
    const params = fragment(res);
    expect(params.get('error')).toBeNull();
    const accessToken = params.get('access_token') ?? '';
    expect(accessToken).not.toBe('');

    const cookies = res.headers.getSetCookie();
    expect(cookies.find((c) => c.startsWith('stroem_refresh='))).toMatch(/HttpOnly/);
    // The state is spent: the cookie is cleared.
    expect(cookies.find((c) => c.startsWith(`${OIDC_STATE_COOKIE}=`))).toMatch(
      /Expires=Thu, 01 Jan 1970|Max-Age=0/,
    );
    expect(started.browser.cookie(api, OIDC_STATE_COOKIE)).toBeUndefined();

    const user = await me(accessToken);
    expect(user).toMatchObject({
      email: 'alice@example.com',
      name: 'Alice',
      // The very first user of the installation.
      is_admin: true,
      groups: ['engineering', 'sso'],
    });
    adminToken = accessToken;
  });

  it('PKCE: the provider got the verifier whose S256 hash is the challenge it was sent', async () => {
    const before = idp.events.length;
    const started = await startLogin();
    const challenge = started.authorize.searchParams.get('code_challenge');
    const reading = readOidcState(started.stateCookie, auth.refresh_secret);
    if (!('state' in reading)) throw new Error(reading.error);
    expect(sha256(reading.state.code_verifier)).toBe(challenge);

    const callback = await signInAtProvider(started, 'alice-sub');
    expect(
      fragment(await started.browser.get(callback.toString())).get('access_token'),
    ).toBeTruthy();

    const events = eventsSince(before);
    expect(events).toContainEqual(
      expect.objectContaining({
        event: 'authorization_code.saved',
        code_challenge: challenge,
        code_challenge_method: 'S256',
      }),
    );
    expect(events).toContainEqual({
      event: 'grant.success',
      grant_type: 'authorization_code',
      code_verifier: reading.state.code_verifier,
    });
  });

  it('PKCE: a callback whose (validly signed) cookie carries another verifier is refused by the provider', async () => {
    const started = await startLogin();
    const callback = await signInAtProvider(started, 'alice-sub');
    const wrong = newCodeVerifier();
    started.browser.setCookie(
      api,
      OIDC_STATE_COOKIE,
      resign(started.browser.cookie(api, OIDC_STATE_COOKIE) ?? '', { code_verifier: wrong }),
    );
    const before = idp.events.length;
    const params = fragment(await started.browser.get(callback.toString()));
    expect(params.get('access_token')).toBeNull();
    expect(params.get('error')).toMatch(/^The identity provider refused the login/);
    expect(eventsSince(before)).toContainEqual(
      expect.objectContaining({
        event: 'grant.error',
        error: 'invalid_grant',
        code_verifier: wrong,
      }),
    );
  });
});

describe('the state is signed, bound to the callback and single-use', () => {
  async function callbackWith(tamper: (started: Started, callback: URL) => void) {
    const started = await startLogin();
    const callback = await signInAtProvider(started, 'alice-sub');
    tamper(started, callback);
    const before = idp.events.length;
    const params = fragment(await started.browser.get(callback.toString()));
    // Refused before any token request.
    expect(eventsSince(before)).toEqual([]);
    expect(params.get('access_token')).toBeNull();
    return params.get('error');
  }

  it('rejects a changed state parameter', async () => {
    const error = await callbackWith((_s, callback) =>
      callback.searchParams.set('state', `${callback.searchParams.get('state')}x`),
    );
    expect(error).toBe('Login state does not match the callback');
  });

  it('rejects a cookie whose signature was changed', async () => {
    const error = await callbackWith(({ browser }) => {
      const cookie = browser.cookie(api, OIDC_STATE_COOKIE) ?? '';
      const [payload, mac] = cookie.split('.');
      const flipped = `${mac[0] === 'A' ? 'B' : 'A'}${mac.slice(1)}`;
      browser.setCookie(api, OIDC_STATE_COOKIE, `${payload}.${flipped}`);
    });
    expect(error).toBe('Login state cookie has an invalid signature');
  });

  it('rejects a cookie signed with another key', async () => {
    const error = await callbackWith(({ browser }) => {
      const reading = readOidcState(browser.cookie(api, OIDC_STATE_COOKIE), auth.refresh_secret);
      if (!('state' in reading)) throw new Error(reading.error);
      browser.setCookie(
        api,
        OIDC_STATE_COOKIE,
        signOidcState(reading.state, 'another-secret-0123456789abcdef-0123456'),
      );
    });
    expect(error).toBe('Login state cookie has an invalid signature');
  });

  it('rejects a callback without the state cookie', async () => {
    const error = await callbackWith(({ browser }) =>
      browser.setCookie(api, OIDC_STATE_COOKIE, undefined),
    );
    expect(error).toBe('Login state cookie is missing; start the login again');
  });

  it('rejects an expired state', async () => {
    const error = await callbackWith(({ browser }) =>
      browser.setCookie(
        api,
        OIDC_STATE_COOKIE,
        resign(browser.cookie(api, OIDC_STATE_COOKIE) ?? '', {
          exp: Math.floor(Date.now() / 1000) - 1,
        }),
      ),
    );
    expect(error).toBe('Login state has expired; start the login again');
  });

  it('rejects a replayed callback, with or without the original cookie', async () => {
    const started = await startLogin();
    const callback = await signInAtProvider(started, 'alice-sub');
    const cookie = started.browser.cookie(api, OIDC_STATE_COOKIE);
    expect(
      fragment(await started.browser.get(callback.toString())).get('access_token'),
    ).toBeTruthy();

    // The browser no longer has the cookie.
    const again = fragment(await started.browser.get(callback.toString()));
    expect(again.get('access_token')).toBeNull();
    expect(again.get('error')).toBe('Login state cookie is missing; start the login again');

    // An attacker who kept it.
    started.browser.setCookie(api, OIDC_STATE_COOKIE, cookie);
    const replay = fragment(await started.browser.get(callback.toString()));
    expect(replay.get('access_token')).toBeNull();
    expect(replay.get('error')).toBe('Login state was already used; start the login again');
  });

  it('reports an error the provider sent back instead of a code', async () => {
    const { browser } = await startLogin();
    const params = fragment(
      await browser.get(
        `${api}/api/auth/oidc/corp/callback?error=access_denied&error_description=${encodeURIComponent('User said no')}`,
      ),
    );
    expect(params.get('error')).toBe('User said no');
  });
});

describe('just-in-time provisioning', () => {
  async function usersNamed(email: string) {
    const res = await fetch(`${api}/api/users?limit=1000`, {
      headers: { authorization: `Bearer ${adminToken}` },
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as {
      items: { user_id: string; email: string; auth_methods: string[] }[];
    };
    return body.items.filter((u) => u.email === email);
  }

  it('creates the user once across two logins, with the default groups, not as admin', async () => {
    const first = await me((await loginAs('bob-sub')).get('access_token') ?? '');
    const second = await me((await loginAs('bob-sub')).get('access_token') ?? '');
    expect(second.user_id).toBe(first.user_id);
    expect(first).toMatchObject({
      email: 'bob@example.com',
      name: 'Bob',
      is_admin: false,
      groups: ['engineering', 'sso'],
    });
    const rows = await usersNamed('bob@example.com');
    expect(rows).toHaveLength(1);
    expect(rows[0].auth_methods).toEqual(['corp']);
  });

  it('links a pre-provisioned user with the same e-mail (any case)', async () => {
    const created = await fetch(`${api}/api/users`, {
      method: 'POST',
      headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'Carol@Example.COM', groups: ['ops'] }),
    });
    expect(created.status).toBe(201);
    const { user_id } = (await created.json()) as { user_id: string };

    const user = await me((await loginAs('carol-sub')).get('access_token') ?? '');
    expect(user.user_id).toBe(user_id);
    // Linking keeps the user's own groups.
    expect(user.groups).toEqual(['ops']);
    expect((await usersNamed('carol@example.com'))[0].auth_methods).toEqual(['corp']);
  });

  it('refuses to link an existing account when the provider has not verified the e-mail', async () => {
    const created = await fetch(`${api}/api/users`, {
      method: 'POST',
      headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'dave@example.com' }),
    });
    expect(created.status).toBe(201);
    const params = await loginAs('dave-sub');
    expect(params.get('access_token')).toBeNull();
    expect(params.get('error')).toMatch(/has not verified that this address is yours/);
    expect((await usersNamed('dave@example.com'))[0].auth_methods).toEqual([]);
  });

  it('refuses a login without an e-mail claim', async () => {
    const params = await loginAs('erin-sub');
    expect(params.get('error')).toBe(
      "Provider 'corp' did not return an e-mail address (is the 'email' scope granted?)",
    );
  });
});

describe('providers', () => {
  it('answers 404 for an unknown provider and for the internal one', async () => {
    for (const id of ['nope', 'internal']) {
      for (const path of [`/api/auth/oidc/${id}`, `/api/auth/oidc/${id}/callback?code=x&state=y`]) {
        const res = await fetch(`${api}${path}`, { redirect: 'manual' });
        expect(res.status).toBe(404);
        expect(await res.json()).toEqual({ error: `No OIDC provider '${id}'` });
      }
    }
  });

  it('uses client_secret_post and accepts ES256 ID tokens when that is what the provider offers', async () => {
    const user = await me((await loginAs('bob-sub', 'strict')).get('access_token') ?? '');
    expect(user.email).toBe('bob@example.com');
  });

  it("rejects an ID token whose signature does not verify against the provider's JWKS", async () => {
    const params = await loginAs('alice-sub', 'forged');
    expect(params.get('access_token')).toBeNull();
    expect(params.get('error')).toBe('The ID token was rejected: invalid signature');
  });

  it('sends the browser to the error page when discovery fails, and retries discovery next time', async () => {
    const res = await new Browser().get(`${api}/api/auth/oidc/late`);
    expect(fragment(res).get('error')).toMatch(
      new RegExp(
        `^OIDC discovery of provider 'late' \\(http://127\\.0\\.0\\.1:${latePort}/\\.well-known/openid-configuration\\) is unreachable`,
      ),
    );
    expect(res.headers.getSetCookie().some((c) => c.startsWith(OIDC_STATE_COOKIE))).toBe(false);

    lateIdp = await startOidcProvider({
      clients: [client('late')],
      accounts: ACCOUNTS,
      port: latePort,
    });
    const { authorize } = await startLogin(new Browser(), 'late');
    expect(authorize.origin).toBe(lateIdp.issuer);
  });
});
