import { createHash, randomBytes } from 'node:crypto';
import type { Request } from 'express';
import {
  type Profile,
  type SessionStore,
  Strategy,
  type VerifyCallback,
} from 'passport-openidconnect';
import type { OidcProvider, OidcProviderMetadata } from './oidc-discovery.service';
import type { OidcFlow, OidcStateCookieStore } from './oidc-state.store';

/** What the ID token (and, when it lacks the e-mail, the userinfo endpoint) says. */
export interface OidcIdentityClaims {
  sub: string;
  email?: string;
  /** undefined when the IdP does not say. */
  email_verified?: boolean;
  name?: string;
}

/** Checks the ID token's signature and claims; resolves the identity. */
export type IdTokenVerifier = (idToken: string, accessToken: string) => Promise<OidcIdentityClaims>;

export type StrategyOutcome =
  | { kind: 'redirect'; url: string }
  | { kind: 'success'; identity: OidcIdentityClaims }
  | { kind: 'fail'; message: string }
  | { kind: 'error'; error: unknown };

/** RFC 7636: 32 random bytes ⇒ a 43-character verifier; the challenge is its SHA-256. */
export function newCodeVerifier(): string {
  return randomBytes(32).toString('base64url');
}

export function s256Challenge(verifier: string): string {
  return createHash('sha256').update(verifier).digest('base64url');
}

const TOKEN_TIMEOUT_MS = 10_000;

/** node-oauth's token callback, which passport-openidconnect interprets. */
type TokenCallback = (
  err: Error | { statusCode: number; data?: string } | null,
  accessToken?: string,
  refreshToken?: string,
  results?: object,
) => void;

/**
 * passport-openidconnect 0.1.2 plus PKCE (S256): the challenge goes into the authorization
 * request through `authorizationParams`, and the token request (which the library builds inside
 * its callback handling) is replaced by one that sends the flow's `code_verifier` and
 * authenticates the client the way the provider advertises (`client_secret_basic`, the OIDC
 * default, else `client_secret_post`). Built per request: it holds that request's flow.
 */
export class PkceOidcStrategy extends Strategy {
  constructor(
    provider: OidcProvider,
    metadata: OidcProviderMetadata,
    callbackURL: string,
    private readonly flow: OidcFlow,
    store: OidcStateCookieStore,
    verifyIdToken: IdTokenVerifier,
  ) {
    super(
      {
        issuer: metadata.issuer,
        authorizationURL: metadata.authorization_endpoint,
        tokenURL: metadata.token_endpoint,
        userInfoURL: metadata.userinfo_endpoint ?? '',
        clientID: provider.client_id,
        clientSecret: provider.client_secret,
        callbackURL,
        scope: provider.scopes ?? ['email', 'profile'],
        nonce: 'true',
        store: store as unknown as SessionStore,
        skipUserProfile: true,
      },
      // The arity selects what the library passes: (issuer, profile, context, idToken,
      // accessToken, refreshToken, done).
      (
        _issuer: string,
        _profile: Profile,
        _context: object,
        idToken: string | object,
        accessToken: string | object,
        _refreshToken: string,
        done: VerifyCallback,
      ) => {
        verifyIdToken(String(idToken), String(accessToken)).then(
          (identity) => done(null, identity),
          (err: unknown) => done(err as Error),
        );
      },
    );
    const clientAuth = clientAuthMethod(metadata);
    const requestToken = (code: string, params: Record<string, string>, cb: TokenCallback) => {
      void this.requestToken(metadata.token_endpoint, provider, clientAuth, code, params, cb);
    };
    this._oauth2.getOAuthAccessToken = requestToken as typeof this._oauth2.getOAuthAccessToken;
  }

  override authorizationParams(): object {
    if (!this.flow.codeVerifier) throw new Error('OIDC login started without a PKCE verifier');
    return { code_challenge: s256Challenge(this.flow.codeVerifier), code_challenge_method: 'S256' };
  }

  private async requestToken(
    tokenUrl: string,
    provider: OidcProvider,
    clientAuth: 'client_secret_basic' | 'client_secret_post',
    code: string,
    params: Record<string, string>,
    cb: TokenCallback,
  ): Promise<void> {
    if (!this.flow.codeVerifier) {
      cb(new Error('the login state carries no PKCE verifier'));
      return;
    }
    const body = new URLSearchParams({ ...params, code, code_verifier: this.flow.codeVerifier });
    const headers: Record<string, string> = {
      'content-type': 'application/x-www-form-urlencoded',
      accept: 'application/json',
    };
    if (clientAuth === 'client_secret_basic') {
      // RFC 6749 §2.3.1: both parts form-urlencoded before base64.
      const pair = `${formEncode(provider.client_id)}:${formEncode(provider.client_secret)}`;
      headers.authorization = `Basic ${Buffer.from(pair).toString('base64')}`;
    } else {
      body.set('client_id', provider.client_id);
      body.set('client_secret', provider.client_secret);
    }
    let status: number;
    let text: string;
    try {
      const res = await fetch(tokenUrl, {
        method: 'POST',
        headers,
        body,
        signal: AbortSignal.timeout(TOKEN_TIMEOUT_MS),
      });
      status = res.status;
      text = await res.text();
    } catch (err) {
      cb(new Error(`token endpoint ${tokenUrl} is unreachable: ${(err as Error).message}`));
      return;
    }
    if (status < 200 || status >= 300) {
      cb({ statusCode: status, data: text });
      return;
    }
    let json: { access_token?: string; refresh_token?: string };
    try {
      json = JSON.parse(text) as typeof json;
    } catch {
      cb({ statusCode: status, data: text });
      return;
    }
    cb(null, json.access_token, json.refresh_token, json);
  }
}

function formEncode(value: string): string {
  return encodeURIComponent(value).replace(/%20/g, '+');
}

function clientAuthMethod(
  metadata: OidcProviderMetadata,
): 'client_secret_basic' | 'client_secret_post' {
  const supported = metadata.token_endpoint_auth_methods_supported;
  if (
    supported &&
    !supported.includes('client_secret_basic') &&
    supported.includes('client_secret_post')
  )
    return 'client_secret_post';
  return 'client_secret_basic';
}

/**
 * Runs the strategy once on a request and reports how it ended, instead of going through
 * passport's middleware (no sessions, no `req.login`).
 */
export function runStrategy(strategy: PkceOidcStrategy, req: Request): Promise<StrategyOutcome> {
  return new Promise((resolve) => {
    strategy.redirect = (url: string) => resolve({ kind: 'redirect', url });
    strategy.success = (identity: OidcIdentityClaims) => resolve({ kind: 'success', identity });
    strategy.fail = (challenge: unknown) =>
      resolve({ kind: 'fail', message: failMessage(challenge) });
    strategy.error = (error: unknown) => resolve({ kind: 'error', error });
    strategy.pass = () => resolve({ kind: 'fail', message: 'Login was not completed' });
    try {
      strategy.authenticate(req);
    } catch (error) {
      resolve({ kind: 'error', error });
    }
  });
}

function failMessage(challenge: unknown): string {
  if (typeof challenge === 'string' && challenge) return challenge;
  const message = (challenge as { message?: unknown } | null)?.message;
  return typeof message === 'string' && message ? message : 'Login was refused';
}
