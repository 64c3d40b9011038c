import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { DynamicModule, LoggerService } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import pino, { type Logger } from 'pino';
import { PinoNestLogger } from './pino-logger';

export const REQUEST_ID_HEADER = 'x-request-id';
const VALID_REQUEST_ID = /^[A-Za-z0-9._-]{1,128}$/;
/** Query parameters whose values never reach a log line (`?token=` on log streams, …). */
const SECRET_QUERY_KEYS = /token|secret|password|key|code|state/i;
/** Probes and scrapes: no access log line (they still get a request id). */
const QUIET_PATHS = /^\/(healthz|metrics)(\/|\?|$)/;
/** Every worker polls these all the time: logged at debug unless they fail. */
const ROUTINE_WORKER_PATHS =
  /^\/worker\/(jobs\/claim|heartbeat|jobs\/[^/]+\/(logs|cancelled))(\?|$)/;

/** An incoming `X-Request-Id` when it is safe to echo and log, otherwise a fresh UUID. */
export function requestIdFor(header: unknown): string {
  const value = Array.isArray(header) ? header[0] : header;
  return typeof value === 'string' && VALID_REQUEST_ID.test(value) ? value : randomUUID();
}

/** The URL with the values of secret-looking query parameters replaced. */
export function redactUrl(url: string): string {
  const q = url.indexOf('?');
  if (q < 0) return url;
  const query = url
    .slice(q + 1)
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      const key = eq < 0 ? pair : pair.slice(0, eq);
      return eq >= 0 && SECRET_QUERY_KEYS.test(decodeURIComponentSafe(key))
        ? `${key}=[REDACTED]`
        : pair;
    })
    .join('&');
  return `${url.slice(0, q)}?${query}`;
}

function decodeURIComponentSafe(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/**
 * The pino logger request logs go to: the process logger in production, a silent one when the
 * app logs nothing, otherwise one whose JSON lines the given Nest logger receives (tests).
 */
export function requestLogRoot(logger: LoggerService | false): Logger {
  if (logger === false) return pino({ level: 'silent' });
  if (logger instanceof PinoNestLogger) return logger.logger;
  return pino(
    { level: 'debug', base: { service: 'stroem-server' } },
    { write: (line: string) => void logger.log(line.trimEnd()) },
  );
}

/**
 * JSON request logs through nestjs-pino: one line per finished request, and every line logged
 * while handling a request carries `req.id` (the `X-Request-Id`, echoed in the response). Only
 * the method, the redacted URL and the peer address are logged: never bodies or headers, so no
 * `Authorization`, `Cookie` or `Set-Cookie`.
 */
export function requestLoggingModule(root: Logger): DynamicModule {
  return LoggerModule.forRoot({
    pinoHttp: {
      logger: root,
      genReqId: (req: IncomingMessage, res: ServerResponse) => {
        const id = requestIdFor(req.headers[REQUEST_ID_HEADER]);
        res.setHeader('X-Request-Id', id);
        return id;
      },
      serializers: {
        req: (req: { id: unknown; method: string; url: string; remoteAddress?: string }) => ({
          id: req.id,
          method: req.method,
          url: redactUrl(req.url),
          remoteAddress: req.remoteAddress,
        }),
        res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
      },
      autoLogging: { ignore: (req: IncomingMessage) => QUIET_PATHS.test(req.url ?? '') },
      customLogLevel: (req: IncomingMessage, res: ServerResponse, err?: Error) => {
        if (err || res.statusCode >= 500) return 'error';
        if (res.statusCode >= 400) return 'warn';
        return ROUTINE_WORKER_PATHS.test(req.url ?? '') ? 'debug' : 'info';
      },
    },
  });
}
