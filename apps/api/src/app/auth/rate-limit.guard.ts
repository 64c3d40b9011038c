import {
  type CanActivate,
  type ExecutionContext,
  Inject,
  Injectable,
  SetMetadata,
  UseGuards,
  applyDecorators,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { SERVER_CONFIG, type ServerConfig } from '../config/server-config';
import { tooManyRequests } from '../errors/domain-errors';
import { RateLimiter } from './rate-limiter';

export type RateLimitBucket = 'login' | 'refresh' | 'api_keys';
const BUCKET = 'stroem:rate-limit';

/** Per-client-IP limit on this route (429 + Retry-After beyond it). */
export const RateLimited = (bucket: RateLimitBucket) =>
  applyDecorators(SetMetadata(BUCKET, bucket), UseGuards(RateLimitGuard));

@Injectable()
export class RateLimitGuard implements CanActivate {
  private readonly limiters: Record<RateLimitBucket, RateLimiter>;

  constructor(
    @Inject(SERVER_CONFIG) config: ServerConfig,
    private readonly reflector: Reflector,
  ) {
    const limits = config.auth?.rate_limits ?? {
      login_per_min: 20,
      refresh_per_min: 30,
      api_keys_per_min: 60,
    };
    this.limiters = {
      login: new RateLimiter(limits.login_per_min),
      refresh: new RateLimiter(limits.refresh_per_min),
      api_keys: new RateLimiter(limits.api_keys_per_min),
    };
  }

  canActivate(context: ExecutionContext): boolean {
    const bucket = this.reflector.getAllAndOverride<RateLimitBucket | undefined>(BUCKET, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (!bucket) return true;
    const req = context.switchToHttp().getRequest<Request>();
    const wait = this.limiters[bucket].take(req.ip ?? req.socket.remoteAddress ?? 'unknown');
    if (wait > 0) throw tooManyRequests(wait);
    return true;
  }
}
