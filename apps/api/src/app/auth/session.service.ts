import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { Response } from 'express';
import { CredentialRepository, UserRepository, type UserRow } from '@stroem/db';
import { SERVER_CONFIG, type AuthConfig, type ServerConfig } from '../config/server-config';
import { unauthorized } from '../errors/domain-errors';
import { AccessTokens } from './access-tokens.service';
import { randomToken, sha256Hex } from './token-hash';

export const REFRESH_COOKIE = 'stroem_refresh';
export const REFRESH_COOKIE_PATH = '/api/auth';

export interface RotatedSession {
  accessToken: string;
  refreshToken: string;
}

/**
 * Login sessions: an access token plus a rotating refresh token (HttpOnly cookie
 * `stroem_refresh`, Path=/api/auth, SameSite=Strict). Each refresh spends the token and issues
 * the next of its family; presenting a spent one revokes the family (token theft).
 */
@Injectable()
export class SessionService {
  private readonly auth: AuthConfig | undefined;

  constructor(
    @Inject(SERVER_CONFIG) config: ServerConfig,
    private readonly credentials: CredentialRepository,
    private readonly users: UserRepository,
    private readonly tokens: AccessTokens,
  ) {
    this.auth = config.auth;
  }

  /** A new session for a user who just proved who they are; returns the access token. */
  async startSession(res: Response, user: UserRow): Promise<string> {
    const refreshToken = await this.issueRefreshToken(user.userId, randomUUID());
    await this.users.touchLogin(user.userId);
    this.setRefreshCookie(res, refreshToken);
    return this.tokens.sign(user);
  }

  /** Spends `refreshToken` and returns the next pair; 401 for anything but a live token. */
  async rotate(refreshToken: string): Promise<RotatedSession> {
    const outcome = await this.credentials.spendRefreshToken(sha256Hex(refreshToken));
    if (outcome.kind !== 'rotated') throw unauthorized('Invalid or expired refresh token');
    const user = await this.users.findById(outcome.userId);
    if (!user) throw unauthorized('Invalid or expired refresh token');
    const next = await this.issueRefreshToken(user.userId, outcome.familyId);
    return { accessToken: this.tokens.sign(user), refreshToken: next };
  }

  async end(refreshToken: string): Promise<void> {
    await this.credentials.revokeFamilyOf(sha256Hex(refreshToken));
  }

  setRefreshCookie(res: Response, token: string): void {
    res.cookie(REFRESH_COOKIE, token, {
      httpOnly: true,
      sameSite: 'strict',
      path: REFRESH_COOKIE_PATH,
      secure: this.secureCookies(),
      maxAge: (this.auth?.refresh_token_ttl_secs ?? 0) * 1000,
    });
  }

  clearRefreshCookie(res: Response): void {
    res.cookie(REFRESH_COOKIE, '', {
      httpOnly: true,
      sameSite: 'strict',
      path: REFRESH_COOKIE_PATH,
      secure: this.secureCookies(),
      maxAge: 0,
    });
  }

  secureCookies(): boolean {
    return this.auth?.base_url?.startsWith('https://') ?? false;
  }

  private async issueRefreshToken(userId: string, familyId: string): Promise<string> {
    if (!this.auth) throw new Error('auth is not configured');
    const token = randomToken();
    await this.credentials.storeRefreshToken(
      sha256Hex(token),
      userId,
      familyId,
      this.auth.refresh_token_ttl_secs,
    );
    return token;
  }
}
