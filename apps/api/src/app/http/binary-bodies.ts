import type { NestExpressApplication } from '@nestjs/platform-express';
import { raw, type NextFunction, type Request, type RequestHandler, type Response } from 'express';

/**
 * Where raw (binary) request bodies go: state tarballs (read whole, ≤ 50 MB) and artifact files
 * (left unread: the controller streams them to the blob store). Mounted before the JSON parser,
 * which skips a body marked as read.
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
}

/** The request's raw body (an absent one is empty). */
export function rawBody(req: Request): Buffer {
  return Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
}

const STREAMED = Symbol('stroem.streamed-body');

/** Marks a request whose body its controller reads as a stream (the JSON parser skips it). */
function leaveBodyUnread(req: Request): void {
  (req as Request & { [STREAMED]?: true })[STREAMED] = true;
}

export function isStreamedBody(req: Request): boolean {
  return (req as Request & { [STREAMED]?: true })[STREAMED] === true;
}

export function installBinaryBodyParsers(app: NestExpressApplication, limits: BinaryBodyLimits) {
  const parsers: [RegExp[], RequestHandler, number][] = [
    [STATE_UPLOADS, raw({ type: () => true, limit: limits.stateBytes }), limits.stateBytes],
  ];
  app.use((req: Request, res: Response, next: NextFunction) => {
    if (req.method !== 'POST') return next();
    if (ARTIFACT_UPLOAD.test(req.path)) {
      leaveBodyUnread(req);
      return next();
    }
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
