/**
 * The OIDC login's state between the redirect to the IdP and its callback, kept client-side in
 * one HMAC-SHA256-signed cookie (no server session): `<base64url(JSON)>.<base64url(mac)>`.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const OIDC_STATE_COOKIE = 'stroem_oidc_state';
export const OIDC_STATE_COOKIE_PATH = '/api/auth/oidc';
export const OIDC_STATE_TTL_SECS = 600;

export interface OidcFlowState {
  /** The `state` parameter sent to the IdP. */
  handle: string;
  nonce: string;
  code_verifier: string;
  /** Provider id. */
  provider: string;
  /** Expiry, seconds since the epoch. */
  exp: number;
}

export type OidcStateReading = { state: OidcFlowState } | { error: string };

// Domain separation: the same secret must never produce a MAC usable as something else.
const MAC_CONTEXT = 'stroem_oidc_state.v1.';

function mac(payload: string, secret: string): Buffer {
  return createHmac('sha256', secret)
    .update(MAC_CONTEXT + payload)
    .digest();
}

export function signOidcState(state: OidcFlowState, secret: string): string {
  const payload = Buffer.from(JSON.stringify(state)).toString('base64url');
  return `${payload}.${mac(payload, secret).toString('base64url')}`;
}

function isFlowState(value: unknown): value is OidcFlowState {
  const v = value as Partial<OidcFlowState> | null;
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof v.handle === 'string' &&
    typeof v.nonce === 'string' &&
    typeof v.code_verifier === 'string' &&
    typeof v.provider === 'string' &&
    typeof v.exp === 'number'
  );
}

/** Checks the signature, the shape and the expiry; `now` in seconds. */
export function readOidcState(
  cookie: string | undefined,
  secret: string,
  now = Math.floor(Date.now() / 1000),
): OidcStateReading {
  if (!cookie) return { error: 'Login state cookie is missing; start the login again' };
  const [payload, signature, ...rest] = cookie.split('.');
  const expected = mac(payload ?? '', secret);
  const given = Buffer.from(signature ?? '', 'base64url');
  if (rest.length > 0 || given.length !== expected.length || !timingSafeEqual(given, expected))
    return { error: 'Login state cookie has an invalid signature' };
  let state: unknown;
  try {
    state = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    return { error: 'Login state cookie is malformed' };
  }
  if (!isFlowState(state)) return { error: 'Login state cookie is malformed' };
  if (state.exp <= now) return { error: 'Login state has expired; start the login again' };
  return { state };
}

/** Constant-time string comparison (false on different lengths). */
export function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
