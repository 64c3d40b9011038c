import type { NestExpressApplication } from '@nestjs/platform-express';
import cookieParser from 'cookie-parser';
import { json, type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { isStreamedBody } from './binary-bodies';
import helmet from 'helmet';
import { DEFAULT_HTTP, type ServerConfig } from '../config/server-config';

/** body-parser's client errors, answered in the API's one error shape. */
function bodyErrors(err: unknown, _req: Request, res: Response, next: NextFunction): void {
  const e = err as { status?: number; type?: string; message?: string; limit?: number };
  if (typeof e?.status !== 'number' || e.status < 400 || e.status >= 500) return next(err);
  let message = e.message ?? 'Bad request';
  if (e.type === 'entity.too.large') message = `Request body exceeds the ${e.limit}-byte limit`;
  else if (e.type === 'entity.parse.failed') message = `Invalid JSON body: ${e.message}`;
  res.status(e.status).json({ error: message });
}

/**
 * What every response and request goes through before the controllers: security headers,
 * CORS only for `auth.base_url`'s origin, cookies, JSON bodies read whatever their content
 * type up to a size limit (`/worker` bigger: step outputs), `no-store` on API answers, and
 * the proxy trust that decides the client IP for rate limits.
 */
export function installHttpHardening(app: NestExpressApplication, config: ServerConfig): void {
  const http = config.http ?? DEFAULT_HTTP;
  const https = config.auth?.base_url?.startsWith('https://') ?? false;
  app.set('trust proxy', http.trust_proxy);
  app.use(
    helmet({
      contentSecurityPolicy: {
        useDefaults: false,
        directives: {
          'default-src': ["'self'"],
          'script-src': ["'self'"],
          'style-src': ["'self'", "'unsafe-inline'"],
          'img-src': ["'self'", 'data:'],
          'font-src': ["'self'", 'data:'],
          'connect-src': ["'self'"],
          'object-src': ["'none'"],
          'base-uri': ["'self'"],
          'form-action': ["'self'"],
          'frame-ancestors': ["'none'"],
        },
      },
      frameguard: { action: 'deny' },
      hsts: https ? { maxAge: 31536000, includeSubDomains: true } : false,
      referrerPolicy: { policy: 'no-referrer' },
    }),
  );
  const baseUrl = config.auth?.base_url;
  if (baseUrl) {
    app.enableCors({
      origin: new URL(baseUrl).origin,
      credentials: true,
      methods: ['GET', 'POST', 'PUT', 'DELETE'],
      allowedHeaders: ['Authorization', 'Content-Type'],
      maxAge: 600,
    });
  }
  app.use(cookieParser());
  app.use('/api', (_req: Request, res: Response, next: NextFunction) => {
    res.setHeader('Cache-Control', 'no-store');
    next();
  });
  const unlessStreamed =
    (parse: RequestHandler): RequestHandler =>
    (req, res, next) =>
      isStreamedBody(req) ? next() : parse(req, res, next);
  app.use('/worker', unlessStreamed(json({ type: () => true, limit: http.worker_max_body_bytes })));
  app.use(unlessStreamed(json({ type: () => true, limit: http.api_max_body_bytes })));
  app.use(bodyErrors);
}
