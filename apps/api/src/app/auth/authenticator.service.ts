import { Inject, Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { Passport } from 'passport';
import { ExtractJwt, Strategy as JwtStrategy } from 'passport-jwt';
import { CredentialRepository, UserRepository, type UserRow } from '@stroem/db';
import { SERVER_CONFIG, type ServerConfig } from '../config/server-config';
import { ACCESS_TOKEN_ALGORITHMS, type AccessClaims } from './access-tokens.service';
import type { Principal } from './principal';
import { sha256Hex } from './token-hash';

export const API_KEY_PREFIX = 'strm_';
const API_KEY = /^strm_[0-9a-f]{32}$/;

function toPrincipal(user: UserRow, via: Principal['via'], apiKeyPrefix?: string): Principal {
  return {
    userId: user.userId,
    email: user.email,
    name: user.name,
    isAdmin: user.isAdmin,
    groups: user.groups,
    via,
    apiKeyPrefix,
  };
}

/**
 * Who is calling: an access token (passport-jwt, HS256 only, expiry enforced, audience-bound
 * tokens refused) or an API key (`strm_…`, checked against its hash on every call). The user
 * row is read fresh either way, so admin rights and groups are never stale and a deleted user
 * is locked out at once.
 */
@Injectable()
export class Authenticator {
  private readonly passport = new Passport();

  constructor(
    @Inject(SERVER_CONFIG) config: ServerConfig,
    private readonly users: UserRepository,
    private readonly credentials: CredentialRepository,
  ) {
    if (!config.auth) return;
    this.passport.use(
      'jwt',
      new JwtStrategy(
        {
          jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(),
          secretOrKey: config.auth.jwt_secret,
          algorithms: ACCESS_TOKEN_ALGORITHMS,
        },
        (claims: Partial<AccessClaims> & { aud?: unknown }, done: VerifiedCallback) => {
          if (typeof claims.sub !== 'string' || claims.aud !== undefined) return done(null, false);
          this.users.findById(claims.sub).then(
            (user) => done(null, user ? toPrincipal(user, 'jwt') : false),
            (err: unknown) => done(err, false),
          );
        },
      ),
    );
  }

  /** The principal of `Authorization: Bearer …`, or null (missing, invalid or expired). */
  async authenticate(req: Request): Promise<Principal | null> {
    const header = req.headers.authorization;
    if (typeof header !== 'string') return null;
    const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!m) return null;
    return this.authenticateToken(m[1]);
  }

  /** Same for a bare token (WebSocket `?token=`, CLI). */
  async authenticateToken(token: string): Promise<Principal | null> {
    if (token.startsWith(API_KEY_PREFIX)) return this.fromApiKey(token);
    return this.fromJwt(token);
  }

  private async fromApiKey(key: string): Promise<Principal | null> {
    if (!API_KEY.test(key)) return null;
    const row = await this.credentials.useApiKey(sha256Hex(key));
    if (!row) return null;
    const user = await this.users.findById(row.userId);
    return user ? toPrincipal(user, 'api_key', row.prefix) : null;
  }

  private fromJwt(token: string): Promise<Principal | null> {
    const req = { headers: { authorization: `Bearer ${token}` } };
    return new Promise((resolve, reject) => {
      const middleware = this.passport.authenticate(
        'jwt',
        { session: false },
        (err: unknown, principal: Principal | false) =>
          err
            ? reject(err instanceof Error ? err : new Error(String(err)))
            : resolve(principal || null),
      ) as (req: unknown, res: unknown, next: (err?: unknown) => void) => void;
      middleware(req, {}, (err) => reject(err instanceof Error ? err : new Error(String(err))));
    });
  }
}

type VerifiedCallback = (err: unknown, user?: Principal | false) => void;
