import { createHash, timingSafeEqual } from 'node:crypto';
import { type CanActivate, type ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { SERVER_CONFIG, type ServerConfig } from '../config/server-config';
import { unauthorized } from '../errors/domain-errors';

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

/** `Authorization: Bearer <worker_token>`, compared in constant time; open when no token is set. */
@Injectable()
export class WorkerAuthGuard implements CanActivate {
  private readonly expected: Buffer | undefined;

  constructor(@Inject(SERVER_CONFIG) config: ServerConfig) {
    this.expected = config.worker_token !== undefined ? digest(config.worker_token) : undefined;
  }

  canActivate(context: ExecutionContext): boolean {
    if (!this.expected) return true;
    const header = context.switchToHttp().getRequest<{ headers: Record<string, unknown> }>()
      .headers['authorization'];
    const token = typeof header === 'string' && header.startsWith('Bearer ') ? header.slice(7) : '';
    if (!timingSafeEqual(digest(token), this.expected)) throw unauthorized();
    return true;
  }
}
