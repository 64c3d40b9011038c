import { randomBytes } from 'node:crypto';
import type { Request, Response } from 'express';
import type {
  SessionStoreContext,
  SessionStoreCallback,
  SessionVerifyCallback,
} from 'passport-openidconnect';
import {
  OIDC_STATE_COOKIE,
  OIDC_STATE_COOKIE_PATH,
  OIDC_STATE_TTL_SECS,
  readOidcState,
  sameSecret,
  signOidcState,
} from './oidc-state-cookie';

/** One login attempt: what the state store hands to the token request and the ID token check. */
export interface OidcFlow {
  providerId: string;
  /** Set on start (fresh) and on the callback (from the cookie). */
  codeVerifier?: string;
  nonce?: string;
}

/** Handles of states already used, so that a replayed callback is refused on this replica. */
export class UsedStateHandles {
  private readonly used = new Map<string, number>();

  /** false when the handle was used before. */
  claim(handle: string, exp: number, now: number): boolean {
    for (const [h, e] of this.used) if (e <= now) this.used.delete(h);
    if (this.used.has(handle)) return false;
    this.used.set(handle, exp);
    return true;
  }
}

/**
 * passport-openidconnect's state store (the interface of its `state/session.js`), backed by the
 * signed `stroem_oidc_state` cookie instead of a server session. One instance per request.
 */
export class OidcStateCookieStore {
  constructor(
    private readonly res: Response,
    private readonly flow: OidcFlow,
    private readonly secret: string,
    private readonly secure: boolean,
    private readonly usedHandles: UsedStateHandles,
  ) {}

  store(
    _req: Request,
    ctx: SessionStoreContext,
    _appState: object | undefined,
    _meta: object | undefined,
    cb: SessionStoreCallback,
  ): void {
    if (!ctx.nonce || !this.flow.codeVerifier) {
      cb(new Error('OIDC login started without a nonce or a PKCE verifier'));
      return;
    }
    const handle = randomBytes(24).toString('base64url');
    const value = signOidcState(
      {
        handle,
        nonce: ctx.nonce,
        code_verifier: this.flow.codeVerifier,
        provider: this.flow.providerId,
        exp: Math.floor(Date.now() / 1000) + OIDC_STATE_TTL_SECS,
      },
      this.secret,
    );
    // Lax, not Strict: the IdP's redirect back is a cross-site top-level navigation.
    this.res.cookie(OIDC_STATE_COOKIE, value, {
      httpOnly: true,
      sameSite: 'lax',
      secure: this.secure,
      path: OIDC_STATE_COOKIE_PATH,
      maxAge: OIDC_STATE_TTL_SECS * 1000,
    });
    cb(null, handle);
  }

  verify(req: Request, handle: string, cb: SessionVerifyCallback): void {
    // Single use: whatever happens next, this state is spent.
    this.res.clearCookie(OIDC_STATE_COOKIE, {
      httpOnly: true,
      sameSite: 'lax',
      secure: this.secure,
      path: OIDC_STATE_COOKIE_PATH,
    });
    const now = Math.floor(Date.now() / 1000);
    const reading = readOidcState(stateCookie(req), this.secret, now);
    if ('error' in reading) return cb(null, false, { message: reading.error });
    const { state } = reading;
    if (state.provider !== this.flow.providerId)
      return cb(null, false, { message: 'Login state belongs to another provider' });
    if (typeof handle !== 'string' || !sameSecret(handle, state.handle))
      return cb(null, false, { message: 'Login state does not match the callback' });
    if (!this.usedHandles.claim(state.handle, state.exp, now))
      return cb(null, false, { message: 'Login state was already used; start the login again' });
    this.flow.codeVerifier = state.code_verifier;
    this.flow.nonce = state.nonce;
    cb(null, { nonce: state.nonce });
  }
}

function stateCookie(req: Request): string | undefined {
  const fromParser = (req.cookies as Record<string, string> | undefined)?.[OIDC_STATE_COOKIE];
  if (fromParser) return fromParser;
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === OIDC_STATE_COOKIE) {
      try {
        return decodeURIComponent(part.slice(eq + 1).trim());
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}
