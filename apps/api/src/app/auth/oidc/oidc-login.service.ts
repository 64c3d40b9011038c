import { Inject, Injectable, Logger } from '@nestjs/common';
import type { Request, Response } from 'express';
import jwt, { type Algorithm, type JwtPayload } from 'jsonwebtoken';
import { UserRepository } from '@stroem/db';
import { SERVER_CONFIG, type ServerConfig } from '../../config/server-config';
import { SessionService } from '../session.service';
import {
  OidcDiscoveryService,
  type OidcProvider,
  type OidcProviderMetadata,
} from './oidc-discovery.service';
import { OidcLoginError } from './oidc-login-error';
import { type OidcFlow, OidcStateCookieStore, UsedStateHandles } from './oidc-state.store';
import {
  newCodeVerifier,
  type OidcIdentityClaims,
  PkceOidcStrategy,
  runStrategy,
} from './pkce-oidc.strategy';

/** Asymmetric only: never `none`, never HS* (the client secret is not a signing key here). */
export const ID_TOKEN_ALGORITHMS: Algorithm[] = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
];

const CLOCK_TOLERANCE_SECS = 60;
const USERINFO_TIMEOUT_MS = 10_000;
export const LOGIN_CALLBACK_PATH = '/login/callback';

const text = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);

/** `email_verified` as IdPs send it (some send the string "true"). */
function verifiedFlag(v: unknown): boolean | undefined {
  if (v === true || v === 'true') return true;
  if (v === false || v === 'false') return false;
  return undefined;
}

/**
 * OIDC single sign-on (reference §1.16, §3.2): authorization code + PKCE S256, state and nonce
 * in a signed cookie, the ID token checked against the provider's JWKS, then JIT provisioning
 * and a session. Every outcome of the callback is a redirect to the console's login page.
 */
@Injectable()
export class OidcLoginService {
  private readonly logger = new Logger(OidcLoginService.name);
  private readonly usedHandles = new UsedStateHandles();

  constructor(
    @Inject(SERVER_CONFIG) private readonly config: ServerConfig,
    private readonly discovery: OidcDiscoveryService,
    private readonly users: UserRepository,
    private readonly sessions: SessionService,
  ) {}

  provider(id: string): OidcProvider | null {
    return this.discovery.provider(id);
  }

  /** The URL to send the browser to: the IdP's authorization endpoint, or the error page. */
  async start(provider: OidcProvider, req: Request, res: Response): Promise<string> {
    const flow: OidcFlow = { providerId: provider.id, codeVerifier: newCodeVerifier() };
    try {
      const outcome = await runStrategy(await this.strategy(provider, flow, req, res), req);
      if (outcome.kind === 'redirect') return outcome.url;
      if (outcome.kind === 'error') throw outcome.error;
      throw new OidcLoginError(
        outcome.kind === 'fail' ? outcome.message : 'The login did not reach the provider',
      );
    } catch (err) {
      return this.failed(provider, err);
    }
  }

  /** The IdP sent the browser back: `/login/callback#access_token=…` or `#error=…`. */
  async finish(provider: OidcProvider, req: Request, res: Response): Promise<string> {
    const flow: OidcFlow = { providerId: provider.id };
    try {
      if (typeof req.query.code !== 'string' && typeof req.query.error !== 'string')
        throw new OidcLoginError('The callback carries no authorization code');
      const outcome = await runStrategy(await this.strategy(provider, flow, req, res), req);
      if (outcome.kind === 'fail') throw new OidcLoginError(outcome.message);
      if (outcome.kind === 'error') throw outcome.error;
      if (outcome.kind === 'redirect')
        throw new OidcLoginError('The callback carries no authorization code');
      const accessToken = await this.signIn(provider, outcome.identity, res);
      return `${LOGIN_CALLBACK_PATH}#access_token=${encodeURIComponent(accessToken)}`;
    } catch (err) {
      return this.failed(provider, err);
    }
  }

  private async signIn(
    provider: OidcProvider,
    identity: OidcIdentityClaims,
    res: Response,
  ): Promise<string> {
    if (!identity.email)
      throw new OidcLoginError(
        `Provider '${provider.id}' did not return an e-mail address (is the 'email' scope granted?)`,
      );
    const outcome = await this.users.provisionFromOidc({
      providerId: provider.id,
      externalId: identity.sub,
      email: identity.email,
      // Only an explicit "not verified" blocks linking: many IdPs omit the claim.
      emailVerified: identity.email_verified !== false,
      name: identity.name ?? null,
      defaultGroups: provider.default_groups,
    });
    if ('error' in outcome)
      throw new OidcLoginError(
        `An account with the e-mail ${identity.email} already exists, and provider '${provider.id}' has not verified that this address is yours, so it cannot be linked`,
      );
    if (outcome.created)
      this.logger.log(`User ${outcome.user.email} created at first login through '${provider.id}'`);
    return this.sessions.startSession(res, outcome.user);
  }

  private async strategy(
    provider: OidcProvider,
    flow: OidcFlow,
    req: Request,
    res: Response,
  ): Promise<PkceOidcStrategy> {
    const metadata = await this.discovery.metadata(provider);
    const store = new OidcStateCookieStore(
      res,
      flow,
      this.requireAuth().refresh_secret,
      this.sessions.secureCookies(),
      this.usedHandles,
    );
    return new PkceOidcStrategy(
      provider,
      metadata,
      this.callbackUrl(provider, req),
      flow,
      store,
      (idToken, accessToken) => this.verifyIdToken(provider, metadata, flow, idToken, accessToken),
    );
  }

  private requireAuth() {
    const auth = this.config.auth;
    if (!auth) throw new OidcLoginError('Authentication is not configured');
    return auth;
  }

  /** `<base_url>/api/auth/oidc/<id>/callback`; without base_url, from the request's host. */
  private callbackUrl(provider: OidcProvider, req: Request): string {
    const base =
      this.requireAuth().base_url?.replace(/\/+$/, '') ?? `${req.protocol}://${req.get('host')}`;
    return `${base}/api/auth/oidc/${encodeURIComponent(provider.id)}/callback`;
  }

  /** passport-openidconnect only decodes the ID token; this checks it properly. */
  private async verifyIdToken(
    provider: OidcProvider,
    metadata: OidcProviderMetadata,
    flow: OidcFlow,
    idToken: string,
    accessToken: string,
  ): Promise<OidcIdentityClaims> {
    if (!flow.nonce) throw new OidcLoginError('The login state carries no nonce');
    const decoded = jwt.decode(idToken, { complete: true });
    if (!decoded || typeof decoded.payload === 'string')
      throw new OidcLoginError('The ID token is malformed');
    const alg = decoded.header.alg as Algorithm;
    if (!ID_TOKEN_ALGORITHMS.includes(alg))
      throw new OidcLoginError(`The ID token is signed with '${alg}', which is not accepted`);
    const key = await this.discovery.signingKey(provider, decoded.header.kid, alg);
    let claims: JwtPayload;
    try {
      claims = jwt.verify(idToken, key, {
        algorithms: ID_TOKEN_ALGORITHMS,
        issuer: metadata.issuer,
        audience: provider.client_id,
        nonce: flow.nonce,
        clockTolerance: CLOCK_TOLERANCE_SECS,
      }) as JwtPayload;
    } catch (err) {
      throw new OidcLoginError(`The ID token was rejected: ${(err as Error).message}`);
    }
    const sub = text(claims.sub);
    if (!sub) throw new OidcLoginError('The ID token has no subject');
    let source: Record<string, unknown> = claims;
    // Providers may keep profile claims out of the ID token in the code flow (OIDC Core §5.4).
    if (!text(claims.email) && metadata.userinfo_endpoint) {
      source = await this.userinfo(provider, metadata.userinfo_endpoint, accessToken);
      if (source.sub !== sub)
        throw new OidcLoginError(
          'The userinfo response is about another subject than the ID token',
        );
    }
    return {
      sub,
      email: text(source.email),
      email_verified: verifiedFlag(source.email_verified),
      name: text(source.name) ?? text(claims.name),
    };
  }

  private async userinfo(
    provider: OidcProvider,
    url: string,
    accessToken: string,
  ): Promise<Record<string, unknown>> {
    let res: globalThis.Response;
    try {
      res = await fetch(url, {
        headers: { authorization: `Bearer ${accessToken}`, accept: 'application/json' },
        signal: AbortSignal.timeout(USERINFO_TIMEOUT_MS),
      });
    } catch (err) {
      throw new OidcLoginError(
        `The userinfo endpoint of provider '${provider.id}' is unreachable: ${(err as Error).message}`,
      );
    }
    const body = (await res.json().catch(() => null)) as Record<string, unknown> | null;
    if (!res.ok || !body || typeof body !== 'object')
      throw new OidcLoginError(
        `The userinfo endpoint of provider '${provider.id}' answered HTTP ${res.status}`,
      );
    return body;
  }

  /** Logs the cause and returns the error page URL with a message that is safe to show. */
  private failed(provider: OidcProvider, cause: unknown): string {
    const message = this.describe(cause);
    const detail = cause instanceof Error ? (cause.stack ?? cause.message) : String(cause);
    this.logger.warn(`OIDC login through '${provider.id}' failed: ${message} (${detail})`);
    return `${LOGIN_CALLBACK_PATH}#error=${encodeURIComponent(message)}`;
  }

  private describe(cause: unknown): string {
    if (typeof cause === 'string') return cause;
    if (cause instanceof OidcLoginError) return cause.message;
    const err = cause as { name?: string; message?: string; code?: string } | null;
    // passport-openidconnect's errors carrying the IdP's own `error`/`error_description`.
    if (err?.name === 'TokenError' || err?.name === 'AuthorizationError')
      return `The identity provider refused the login: ${err.message || err.code || 'no reason given'}`;
    if (err?.name === 'InternalOAuthError')
      return 'Could not obtain tokens from the identity provider';
    return 'Login failed; the server log has the details';
  }
}
