import { type CanActivate, type ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { SERVER_CONFIG, type ServerConfig } from '../config/server-config';
import { unauthorized } from '../errors/domain-errors';
import { Authenticator } from './authenticator.service';
import type { AuthenticatedRequest } from './principal';
import { IS_PUBLIC } from './public.decorator';

/** `/api` and everything under it; `/worker`, `/hooks` and health have their own rules. */
export function isApiPath(path: string): boolean {
  return path === '/api' || path.startsWith('/api/');
}

/**
 * With `auth` configured, every `/api` route but the `@Public()` ones needs a user (401
 * otherwise). Without it everything is open, as upstream.
 */
@Injectable()
export class ApiAuthGuard implements CanActivate {
  private readonly enabled: boolean;

  constructor(
    @Inject(SERVER_CONFIG) config: ServerConfig,
    private readonly reflector: Reflector,
    private readonly authenticator: Authenticator,
  ) {
    this.enabled = config.auth !== undefined;
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (!this.enabled || context.getType() !== 'http') return true;
    const req = context.switchToHttp().getRequest<Request & AuthenticatedRequest>();
    if (!isApiPath(req.path)) return true;
    const isPublic = this.reflector.getAllAndOverride<boolean | undefined>(IS_PUBLIC, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (isPublic) return true;
    const principal = await this.authenticator.authenticate(req);
    if (!principal) throw unauthorized('Authentication required');
    req.user = principal;
    return true;
  }
}
