import type { NestExpressApplication } from '@nestjs/platform-express';
import { raw, type NextFunction, type Request, type RequestHandler, type Response } from 'express';

/**
 * Where raw (binary) request bodies go: state tarballs and artifact files. Mounted before the
 * JSON parser (which then skips the already-read body).
 */
const STATE_UPLOADS = [
  /^\/worker\/state\/[^/]+\/[^/]+\/[^/]+\/?$/,
  /^\/worker\/global-state\/[^/]+\/[^/]+\/?$/,
  /^\/api\/workspaces\/[^/]+\/tasks\/[^/]+\/state\/?$/,
  /^\/api\/workspaces\/[^/]+\/state\/?$/,
];
const ARTIFACT_UPLOAD = /^\/worker\/jobs\/[^/]+\/steps\/[^/]+\/artifacts\/.+/;

export interface BinaryBodyLimits {
  stateBytes: number;
  artifactBytes: number;
}

/** The request's raw body (an absent one is empty). */
export function rawBody(req: Request): Buffer {
  return Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
}

export function installBinaryBodyParsers(app: NestExpressApplication, limits: BinaryBodyLimits) {
  const parsers: [RegExp[], RequestHandler, number][] = [
    [STATE_UPLOADS, raw({ type: () => true, limit: limits.stateBytes }), limits.stateBytes],
    [
      [ARTIFACT_UPLOAD],
      raw({ type: () => true, limit: limits.artifactBytes }),
      limits.artifactBytes,
    ],
  ];
  app.use((req: Request, res: Response, next: NextFunction) => {
    if (req.method !== 'POST') return next();
    const match = parsers.find(([paths]) => paths.some((p) => p.test(req.path)));
    if (!match) return next();
    const [, parse, limit] = match;
    parse(req, res, (err?: unknown) => {
      const e = err as { status?: number; type?: string; message?: string } | undefined;
      if (!e || typeof e.status !== 'number' || e.status < 400 || e.status >= 500) return next(err);
      const message =
        e.type === 'entity.too.large'
          ? `Request body exceeds the ${limit}-byte limit`
          : (e.message ?? 'Bad request');
      res.status(e.status).json({ error: message });
    });
  });
}
