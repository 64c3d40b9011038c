import type { LoggerService } from '@nestjs/common';
import pino, { type Logger } from 'pino';

/** The process logger: pino JSON lines on stdout. */
export function createLogger(level = process.env['STROEM_LOG_LEVEL'] ?? 'info'): Logger {
  return pino({ level, base: { service: 'stroem-server' } });
}

function text(message: unknown): string {
  if (message instanceof Error) return message.stack ?? message.message;
  return typeof message === 'string' ? message : JSON.stringify(message);
}

/** Nest's logger interface backed by pino; the Nest context becomes a `context` field. */
export class PinoNestLogger implements LoggerService {
  /** `logger`: also the root of the request logs (`request-logging.ts`). */
  constructor(readonly logger: Logger) {}

  log(message: unknown, context?: string): void {
    this.logger.info({ context }, text(message));
  }
  error(message: unknown, trace?: string, context?: string): void {
    this.logger.error({ context, trace }, text(message));
  }
  warn(message: unknown, context?: string): void {
    this.logger.warn({ context }, text(message));
  }
  debug(message: unknown, context?: string): void {
    this.logger.debug({ context }, text(message));
  }
  verbose(message: unknown, context?: string): void {
    this.logger.trace({ context }, text(message));
  }
}
