import { Inject, Injectable } from '@nestjs/common';
import { createPublicKey, type JsonWebKey, type KeyObject } from 'node:crypto';
import {
  SERVER_CONFIG,
  type AuthProviderConfig,
  type ServerConfig,
} from '../../config/server-config';
import { OidcLoginError } from './oidc-login-error';

/** The parts of `.well-known/openid-configuration` the login uses. */
export interface OidcProviderMetadata {
  issuer: string;
  authorization_endpoint: string;
  token_endpoint: string;
  jwks_uri: string;
  userinfo_endpoint?: string;
  token_endpoint_auth_methods_supported?: string[];
  code_challenge_methods_supported?: string[];
}

/** A configured OIDC provider, with its id. */
export interface OidcProvider extends AuthProviderConfig {
  id: string;
  issuer_url: string;
  client_id: string;
  client_secret: string;
}

interface JwkWithId extends JsonWebKey {
  kid?: string;
  use?: string;
}

const FETCH_TIMEOUT_MS = 10_000;

async function fetchJson(url: string, what: string): Promise<unknown> {
  let res: Response;
  try {
    res = await fetch(url, {
      headers: { accept: 'application/json' },
      signal: AbortSignal.timeout(FETCH_TIMEOUT_MS),
    });
  } catch (err) {
    throw new OidcLoginError(`${what} (${url}) is unreachable: ${(err as Error).message}`);
  }
  if (!res.ok) throw new OidcLoginError(`${what} (${url}) answered HTTP ${res.status}`);
  try {
    return await res.json();
  } catch {
    throw new OidcLoginError(`${what} (${url}) is not JSON`);
  }
}

const trimSlash = (url: string) => url.replace(/\/+$/, '');

/**
 * Per provider: the discovery document and the signing keys, fetched on first use and cached.
 * A failed fetch is not cached, so the next login tries again.
 */
@Injectable()
export class OidcDiscoveryService {
  private readonly metadataCache = new Map<string, Promise<OidcProviderMetadata>>();
  private readonly keyCache = new Map<string, Promise<JwkWithId[]>>();

  constructor(@Inject(SERVER_CONFIG) private readonly config: ServerConfig) {}

  /** The OIDC provider with this id, or null when there is none (or it is `internal`). */
  provider(id: string): OidcProvider | null {
    const providers = this.config.auth?.providers ?? {};
    if (!Object.prototype.hasOwnProperty.call(providers, id)) return null;
    const p = providers[id];
    if (p.provider_type !== 'oidc' || !p.issuer_url || !p.client_id || !p.client_secret)
      return null;
    return {
      ...p,
      id,
      issuer_url: p.issuer_url,
      client_id: p.client_id,
      client_secret: p.client_secret,
    };
  }

  metadata(provider: OidcProvider): Promise<OidcProviderMetadata> {
    return this.cached(this.metadataCache, provider.id, () => this.discover(provider));
  }

  /** The public key for an ID token header; refetches the JWKS once for an unknown `kid`. */
  async signingKey(
    provider: OidcProvider,
    kid: string | undefined,
    alg: string,
  ): Promise<KeyObject> {
    let jwk = this.pick(await this.keys(provider), kid, alg);
    if (!jwk) {
      this.keyCache.delete(provider.id);
      jwk = this.pick(await this.keys(provider), kid, alg);
    }
    if (!jwk)
      throw new OidcLoginError(
        `Provider '${provider.id}' has no signing key ${kid ? `'${kid}'` : `for ${alg}`} in its JWKS`,
      );
    return createPublicKey({ key: jwk, format: 'jwk' });
  }

  private keys(provider: OidcProvider): Promise<JwkWithId[]> {
    return this.cached(this.keyCache, provider.id, async () => {
      const { jwks_uri } = await this.metadata(provider);
      const body = (await fetchJson(jwks_uri, `JWKS of provider '${provider.id}'`)) as {
        keys?: unknown;
      };
      if (!Array.isArray(body?.keys))
        throw new OidcLoginError(`JWKS of provider '${provider.id}' has no keys`);
      return body.keys as JwkWithId[];
    });
  }

  private pick(keys: JwkWithId[], kid: string | undefined, alg: string): JwkWithId | undefined {
    const kty = alg.startsWith('ES') ? 'EC' : 'RSA';
    const usable = keys.filter((k) => k.kty === kty && (k.use === undefined || k.use === 'sig'));
    if (kid) return usable.find((k) => k.kid === kid);
    return usable.length === 1 ? usable[0] : undefined;
  }

  private async discover(provider: OidcProvider): Promise<OidcProviderMetadata> {
    const url = `${trimSlash(provider.issuer_url)}/.well-known/openid-configuration`;
    const what = `OIDC discovery of provider '${provider.id}'`;
    const doc = (await fetchJson(url, what)) as Partial<OidcProviderMetadata> | null;
    for (const field of ['issuer', 'authorization_endpoint', 'token_endpoint', 'jwks_uri'] as const)
      if (typeof doc?.[field] !== 'string')
        throw new OidcLoginError(`${what} (${url}): no ${field}`);
    const metadata = doc as OidcProviderMetadata;
    if (trimSlash(metadata.issuer) !== trimSlash(provider.issuer_url))
      throw new OidcLoginError(
        `${what}: the document's issuer '${metadata.issuer}' is not the configured '${provider.issuer_url}'`,
      );
    const methods = metadata.code_challenge_methods_supported;
    if (methods && !methods.includes('S256'))
      throw new OidcLoginError(`${what}: the provider does not support PKCE S256`);
    return metadata;
  }

  private cached<T>(
    cache: Map<string, Promise<T>>,
    key: string,
    load: () => Promise<T>,
  ): Promise<T> {
    let entry = cache.get(key);
    if (!entry) {
      entry = load();
      cache.set(key, entry);
      entry.catch(() => {
        if (cache.get(key) === entry) cache.delete(key);
      });
    }
    return entry;
  }
}
