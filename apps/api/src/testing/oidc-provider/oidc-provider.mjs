// A real OpenID Connect provider (panva/oidc-provider) for integration specs. oidc-provider is
// ESM-only while Jest runs CommonJS, so `oidc-provider.ts` runs this file as a child process.
//
// Options: JSON in the OIDC_PROVIDER_OPTIONS environment variable:
//   { clients: [{ client_id, client_secret, redirect_uris, token_endpoint_auth_method? }],
//     accounts: [{ sub, email, email_verified, name }],
//     clientAuthMethods?: string[],  // what discovery advertises (default: basic and post)
//     port?: number,                 // default: any free port
//     foreignJwks?: boolean }        // publish unrelated keys (same kids) at the jwks_uri, so
//                                    // that every ID token fails signature verification
//
// It listens on 127.0.0.1 (`port`, else a free one) and prints JSON lines on stdout:
//   { "issuer": "http://127.0.0.1:<port>" }                                 once, when listening
//   { "event": "authorization_code.saved", "code_challenge", "code_challenge_method" }
//   { "event": "grant.success", "grant_type", "code_verifier" }            token endpoint said yes
//   { "event": "grant.error", "error", "error_description", "code_verifier" }     …or no
// PKCE is required for every client (S256 only), so a missing or wrong verifier is a
// `grant.error` with `invalid_grant`.
//
// Login without a browser: the authorization endpoint redirects to `/interaction/<uid>`;
// `GET /interaction/<uid>?account=<sub>` logs that account in and grants every requested scope
// (login and consent at once), then redirects back into the flow. Without `account` the same URL
// answers 400 with the interaction's prompt as JSON. Requests must carry the provider's cookies.
import { generateKeyPairSync } from 'node:crypto';
import { createServer } from 'node:http';
import Provider from 'oidc-provider';

const options = JSON.parse(process.env.OIDC_PROVIDER_OPTIONS ?? '{}');
const accounts = new Map((options.accounts ?? []).map((a) => [a.sub, a]));

function emit(line) {
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

function signingKeys(part = 'privateKey') {
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 })[part];
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' })[part];
  return [
    { ...rsa.export({ format: 'jwk' }), kid: 'rsa-1', alg: 'RS256', use: 'sig' },
    { ...ec.export({ format: 'jwk' }), kid: 'ec-1', alg: 'ES256', use: 'sig' },
  ];
}

const server = createServer();
await new Promise((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
const issuer = `http://127.0.0.1:${server.address().port}`;

const provider = new Provider(issuer, {
  clients: (options.clients ?? []).map((c) => ({
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
    ...c,
  })),
  clientAuthMethods: options.clientAuthMethods ?? ['client_secret_basic', 'client_secret_post'],
  jwks: { keys: signingKeys() },
  cookies: { keys: ['stroem-test-oidc-provider-cookie-key'] },
  pkce: { required: () => true },
  features: { devInteractions: { enabled: false } },
  claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
  interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
  async findAccount(_ctx, sub) {
    const account = accounts.get(sub);
    if (!account) return undefined;
    return { accountId: sub, claims: async () => ({ ...account }) };
  },
});

provider.on('authorization_code.saved', (code) => {
  emit({
    event: 'authorization_code.saved',
    code_challenge: code.codeChallenge,
    code_challenge_method: code.codeChallengeMethod,
  });
});
provider.on('grant.success', (ctx) => {
  emit({
    event: 'grant.success',
    grant_type: ctx.oidc.params?.grant_type,
    code_verifier: ctx.oidc.params?.code_verifier ?? null,
  });
});
provider.on('grant.error', (ctx, err) => {
  emit({
    event: 'grant.error',
    error: err.error ?? err.message,
    error_description: err.error_description ?? null,
    code_verifier: ctx.oidc?.params?.code_verifier ?? null,
  });
});

async function interaction(req, res, url) {
  const details = await provider.interactionDetails(req, res);
  const sub = url.searchParams.get('account');
  if (!sub || !accounts.has(sub)) {
    res.writeHead(400, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ prompt: details.prompt, error: sub ? `no account ${sub}` : null }));
    return;
  }
  const grant = new provider.Grant({ accountId: sub, clientId: details.params.client_id });
  grant.addOIDCScope(details.params.scope);
  const grantId = await grant.save();
  await provider.interactionFinished(
    req,
    res,
    { login: { accountId: sub }, consent: { grantId } },
    { mergeWithLastSubmission: false },
  );
}

const callback = provider.callback();
const foreignJwks = options.foreignJwks ? JSON.stringify({ keys: signingKeys('publicKey') }) : null;
server.on('request', (req, res) => {
  const url = new URL(req.url ?? '/', issuer);
  if (foreignJwks && url.pathname === '/jwks') {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(foreignJwks);
    return;
  }
  if (req.method === 'GET' && url.pathname.startsWith('/interaction/')) {
    interaction(req, res, url).catch((err) => {
      res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: String(err?.message ?? err) }));
    });
    return;
  }
  callback(req, res);
});

process.on('SIGTERM', () => server.close(() => process.exit(0)));
emit({ issuer });
