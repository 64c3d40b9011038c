import { Inject, Injectable } from '@nestjs/common';
import jwt from 'jsonwebtoken';
import type { UserRow } from '@stroem/db';
import { SERVER_CONFIG, type AuthConfig, type ServerConfig } from '../config/server-config';

/** The claims of a Strøm access token (reference §3.2). */
export interface AccessClaims {
  sub: string;
  email: string;
  is_admin: boolean;
  iat: number;
  exp: number;
}

/** Only HS256 is ever accepted (no `none`, no algorithm confusion). */
export const ACCESS_TOKEN_ALGORITHMS: jwt.Algorithm[] = ['HS256'];

/** Signs access tokens: HS256 JWTs with `auth.jwt_secret`, 15 minutes by default. */
@Injectable()
export class AccessTokens {
  readonly auth: AuthConfig | undefined;

  constructor(@Inject(SERVER_CONFIG) config: ServerConfig) {
    this.auth = config.auth;
  }

  sign(user: Pick<UserRow, 'userId' | 'email' | 'isAdmin'>): string {
    if (!this.auth) throw new Error('auth is not configured');
    return jwt.sign({ email: user.email, is_admin: user.isAdmin }, this.auth.jwt_secret, {
      algorithm: 'HS256',
      subject: user.userId,
      expiresIn: this.auth.access_token_ttl_secs,
    });
  }
}
