import { Body, Controller, Delete, Get, HttpCode, Param, Post, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { CredentialRepository, UserRepository } from '@stroem/db';
import { forbidden, invalid, notFound, unauthorized } from '../errors/domain-errors';
import { AuthSettings } from './auth-settings';
import { ApiKeysService } from './api-keys.service';
import { hashPassword, passwordProblem, verifyPassword } from './passwords';
import { CurrentPrincipal, type Principal } from './principal';
import { Public } from './public.decorator';
import { RateLimited } from './rate-limit.guard';
import { objectBody, optionalString, requiredString } from './request-body';
import { REFRESH_COOKIE, SessionService } from './session.service';
import { meView } from './user-views';

const BAD_LOGIN = 'Invalid email or password';

function refreshTokenOf(req: Request, body: unknown): { token?: string; fromBody: boolean } {
  const fromBody =
    typeof body === 'object' && body !== null && !Array.isArray(body)
      ? (body as { refresh_token?: unknown }).refresh_token
      : undefined;
  if (typeof fromBody === 'string' && fromBody !== '') return { token: fromBody, fromBody: true };
  const cookies = (req as Request & { cookies?: Record<string, unknown> }).cookies;
  const cookie = cookies?.[REFRESH_COOKIE];
  return {
    token: typeof cookie === 'string' && cookie !== '' ? cookie : undefined,
    fromBody: false,
  };
}

/** `/api/auth` (reference §3.2): password login, refresh, logout, me, password, API keys. */
@Controller('api/auth')
export class AuthController {
  constructor(
    private readonly settings: AuthSettings,
    private readonly users: UserRepository,
    private readonly credentials: CredentialRepository,
    private readonly sessions: SessionService,
    private readonly apiKeys: ApiKeysService,
  ) {}

  @Post('login')
  @Public()
  @RateLimited('login')
  @HttpCode(200)
  async login(@Body() body: unknown, @Res({ passthrough: true }) res: Response) {
    this.settings.requireAuth();
    if (!this.settings.hasInternalAuth) throw invalid('Password login is not enabled');
    const fields = objectBody(body);
    const email = requiredString(fields, 'email').trim();
    const password = requiredString(fields, 'password');
    const user = await this.users.findByEmail(email);
    const ok = await verifyPassword(password, user?.passwordHash ?? null);
    if (!user || !ok) throw unauthorized(BAD_LOGIN);
    return { access_token: await this.sessions.startSession(res, user) };
  }

  /** Cookie (browser) or body `{refresh_token}` (CLI, which gets the next one in the body). */
  @Post('refresh')
  @Public()
  @RateLimited('refresh')
  @HttpCode(200)
  async refresh(
    @Req() req: Request,
    @Body() body: unknown,
    @Res({ passthrough: true }) res: Response,
  ) {
    this.settings.requireAuth();
    const { token, fromBody } = refreshTokenOf(req, body);
    if (!token) throw unauthorized('Missing refresh token');
    let next;
    try {
      next = await this.sessions.rotate(token);
    } catch (err) {
      if (!fromBody) this.sessions.clearRefreshCookie(res);
      throw err;
    }
    if (fromBody) return { access_token: next.accessToken, refresh_token: next.refreshToken };
    this.sessions.setRefreshCookie(res, next.refreshToken);
    return { access_token: next.accessToken };
  }

  @Post('logout')
  @Public()
  @RateLimited('refresh')
  @HttpCode(200)
  async logout(
    @Req() req: Request,
    @Body() body: unknown,
    @Res({ passthrough: true }) res: Response,
  ) {
    this.settings.requireAuth();
    const { token } = refreshTokenOf(req, body);
    if (token) await this.sessions.end(token);
    this.sessions.clearRefreshCookie(res);
    return { status: 'ok' };
  }

  @Get('me')
  async me(@CurrentPrincipal() principal: Principal | undefined) {
    const user = await this.currentUser(principal);
    return meView(user);
  }

  /** Changes the caller's password; every other session ends, this one gets new tokens. */
  @Post('password')
  @RateLimited('login')
  @HttpCode(200)
  async changePassword(
    @CurrentPrincipal() principal: Principal | undefined,
    @Body() body: unknown,
    @Res({ passthrough: true }) res: Response,
  ) {
    const user = await this.currentUser(principal);
    if (principal?.via !== 'jwt') throw forbidden('Changing the password needs a login session');
    const fields = objectBody(body);
    const current = optionalString(fields, 'current_password') ?? '';
    const next = requiredString(fields, 'new_password');
    if (user.passwordHash !== null && !(await verifyPassword(current, user.passwordHash)))
      throw unauthorized('Current password is wrong');
    const problem = passwordProblem(next);
    if (problem) throw invalid(problem);
    await this.users.setPasswordHash(user.userId, await hashPassword(next));
    await this.credentials.revokeUserRefreshTokens(user.userId);
    return { access_token: await this.sessions.startSession(res, user) };
  }

  @Post('api-keys')
  @RateLimited('api_keys')
  @HttpCode(200)
  async createApiKey(@CurrentPrincipal() principal: Principal | undefined, @Body() body: unknown) {
    const user = await this.sessionUser(principal);
    return this.apiKeys.create(user.userId, body);
  }

  @Get('api-keys')
  @RateLimited('api_keys')
  async listApiKeys(@CurrentPrincipal() principal: Principal | undefined) {
    const user = await this.sessionUser(principal);
    return this.apiKeys.list(user.userId);
  }

  @Delete('api-keys/:prefix')
  @RateLimited('api_keys')
  async revokeApiKey(
    @CurrentPrincipal() principal: Principal | undefined,
    @Param('prefix') prefix: string,
  ) {
    const user = await this.sessionUser(principal);
    if (!(await this.apiKeys.revoke(user.userId, prefix))) throw notFound('API key not found');
    return { status: 'ok' };
  }

  private async currentUser(principal: Principal | undefined) {
    this.settings.requireAuth();
    const user = principal ? await this.users.findById(principal.userId) : null;
    if (!user) throw unauthorized('Authentication required');
    return user;
  }

  /** API keys are managed with a login session, never with another API key. */
  private async sessionUser(principal: Principal | undefined) {
    const user = await this.currentUser(principal);
    if (principal?.via !== 'jwt') throw forbidden('API keys cannot manage API keys');
    return user;
  }
}
