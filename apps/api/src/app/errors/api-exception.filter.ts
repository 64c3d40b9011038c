import {
  type ArgumentsHost,
  Catch,
  type ExceptionFilter,
  HttpException,
  Logger,
} from '@nestjs/common';
import type { Response } from 'express';
import { databaseUnavailableMessage, isDatabaseUnavailable } from './database-unavailable';
import { DomainError, type DomainErrorKind } from './domain-errors';

/** Seconds a client should wait before retrying while the database is unreachable. */
const DATABASE_RETRY_AFTER_SECS = 2;

const STATUS: Record<DomainErrorKind, number> = {
  invalid: 400,
  unauthorized: 401,
  forbidden: 403,
  'not-found': 404,
  conflict: 409,
  unprocessable: 422,
  'payload-too-large': 413,
  'too-many-requests': 429,
};

/** body-parser and friends: errors that carry a client status and a safe message. */
interface ClientError {
  status: number;
  expose: boolean;
  type?: string;
  message: string;
}

function isClientError(err: unknown): err is ClientError {
  const e = err as Partial<ClientError>;
  return typeof e?.status === 'number' && e.status >= 400 && e.status < 500 && e.expose === true;
}

function httpExceptionMessage(err: HttpException): string {
  const body = err.getResponse();
  if (typeof body === 'string') return body;
  const message = (body as { message?: unknown }).message;
  if (Array.isArray(message)) return message.join('; ');
  return typeof message === 'string' ? message : err.message;
}

/** The one error shape: `{ "error": "…" }`; 500s say only `Internal server error`. */
@Catch()
export class ApiExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('ApiExceptionFilter');

  catch(err: unknown, host: ArgumentsHost): void {
    const res = host.switchToHttp().getResponse<Response>();
    if (isDatabaseUnavailable(err)) {
      // Not a bug of ours: say what is wrong, without a stack, and let the caller retry.
      const message = databaseUnavailableMessage(err);
      const req = host.switchToHttp().getRequest<{ method?: string; url?: string }>();
      this.logger.warn(`${req.method} ${req.url}: ${message}`);
      if (res.headersSent) return;
      res.setHeader('Retry-After', String(DATABASE_RETRY_AFTER_SECS));
      res.status(503).json({ error: message });
      return;
    }
    const [status, message] = this.describe(err);
    if (status >= 500) {
      const req = host.switchToHttp().getRequest<{ method?: string; url?: string }>();
      this.logger.error(
        `${req.method} ${req.url} failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`,
      );
    }
    if (res.headersSent) return;
    if (err instanceof DomainError && err.retryAfterSecs !== undefined) {
      res.setHeader('Retry-After', String(err.retryAfterSecs));
      res.status(status).json({ error: message, retry_after_secs: err.retryAfterSecs });
      return;
    }
    res.status(status).json({ error: message });
  }

  private describe(err: unknown): [number, string] {
    if (err instanceof DomainError) return [STATUS[err.kind], err.message];
    if (err instanceof HttpException) {
      const status = err.getStatus();
      return [status, status >= 500 ? 'Internal server error' : httpExceptionMessage(err)];
    }
    if (isClientError(err)) {
      const message =
        err.type === 'entity.parse.failed' ? `Invalid JSON body: ${err.message}` : err.message;
      return [err.status, message];
    }
    return [500, 'Internal server error'];
  }
}
