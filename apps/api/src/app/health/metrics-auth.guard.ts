import { createHash, timingSafeEqual } from 'node:crypto';
import { type CanActivate, type ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { SERVER_CONFIG, type ServerConfig } from '../config/server-config';
import { unauthorized } from '../errors/domain-errors';

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

/**
 * `/metrics`: open with `metrics.public`; otherwise `Authorization: Bearer` with the worker
 * token or `metrics.token`, each compared in constant time. With neither token configured it is
 * as open as the worker API.
 */
@Injectable()
export class MetricsAuthGuard implements CanActivate {
  private readonly open: boolean;
  private readonly accepted: Buffer[];

  constructor(@Inject(SERVER_CONFIG) config: ServerConfig) {
    this.accepted = [config.worker_token, config.metrics?.token]
      .filter((t): t is string => t !== undefined)
      .map(digest);
    this.open = config.metrics?.public === true || this.accepted.length === 0;
  }

  canActivate(context: ExecutionContext): boolean {
    if (this.open) return true;
    const header = context.switchToHttp().getRequest<{ headers: Record<string, unknown> }>()
      .headers['authorization'];
    const token = typeof header === 'string' && header.startsWith('Bearer ') ? header.slice(7) : '';
    const given = digest(token);
    // Compare with every accepted token, so timing says nothing about which one matched.
    let ok = false;
    for (const expected of this.accepted) ok = timingSafeEqual(given, expected) || ok;
    if (!ok) throw unauthorized();
    return true;
  }
}
