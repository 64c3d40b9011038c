import type { INestApplication } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { ServerMetrics } from './server-metrics.service';

/** Requests no route matched share one label, so probing random URLs cannot grow the series. */
export const UNMATCHED_ROUTE = 'unmatched';

function isApi(url: string): boolean {
  return url === '/api' || url.startsWith('/api/') || url.startsWith('/api?');
}

/**
 * RED metrics for `/api/*` (reference §3.5): one count by method, route pattern and status and
 * one duration by route pattern per finished request. The label is the pattern Express matched
 * (`/api/jobs/:id`), never the raw URL.
 */
export function installHttpMetrics(app: INestApplication): void {
  const metrics = app.get(ServerMetrics);
  app.use((req: Request, res: Response, next: NextFunction) => {
    if (!isApi(req.originalUrl)) return next();
    const end = metrics.httpDuration.startTimer();
    res.once('finish', () => {
      const pattern = (req.route as { path?: unknown } | undefined)?.path;
      const route =
        typeof pattern === 'string' ? `${req.baseUrl ?? ''}${pattern}` : UNMATCHED_ROUTE;
      metrics.httpRequests.inc({ method: req.method, route, status: String(res.statusCode) });
      end({ route });
    });
    next();
  });
}
