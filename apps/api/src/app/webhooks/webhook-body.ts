import type { NestExpressApplication } from '@nestjs/platform-express';
import { raw, type NextFunction, type Request, type Response } from 'express';

/** Default `webhooks.max_body_bytes`: 1 MiB. */
export const DEFAULT_WEBHOOK_MAX_BODY_BYTES = 1024 * 1024;

/**
 * `/hooks` bodies are read raw (any content type) up to `maxBytes` before the API's JSON
 * parser runs; a larger body is answered 413 `{error}` here, a bad one 400.
 */
export function installWebhookBodyParser(app: NestExpressApplication, maxBytes: number): void {
  app.use('/hooks', raw({ type: () => true, limit: maxBytes }));
  app.use('/hooks', (err: unknown, _req: Request, res: Response, next: NextFunction) => {
    const e = err as { status?: number; expose?: boolean; type?: string; message?: string };
    if (typeof e?.status !== 'number' || e.status < 400 || e.status >= 500) return next(err);
    const message =
      e.type === 'entity.too.large'
        ? `Request body exceeds the ${maxBytes}-byte limit`
        : (e.message ?? 'Bad request');
    res.status(e.status).json({ error: message });
  });
}
