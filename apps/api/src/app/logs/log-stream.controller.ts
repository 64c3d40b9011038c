/**
 * `GET /api/jobs/{id}/logs/sse`: the WebSocket stream as Server-Sent Events, for curl and proxies.
 * One `event: log` per JSONL line, its `id:` the byte offset just past the line (so a reconnect
 * with `Last-Event-ID` resumes exactly there); `?step=`, `?skip_backfill=true`; always ends with
 * `event: end` + `{"status":…}`; a comment every 15 s keeps proxies from timing out. A reader that
 * falls over MAX_BUFFERED_BYTES behind gets `event: error` and the connection is closed.
 * Auth: the Bearer header or `?token=` (so the route is `@Public()` and checks both itself).
 */
import { Controller, Get, Param, Query, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { Public } from '../auth/public.decorator';
import { LogStreamService } from './log-stream.service';

const HEARTBEAT_MS = 15_000;

@Controller('api')
export class LogStreamController {
  constructor(private readonly streams: LogStreamService) {}

  @Public()
  @Get('jobs/:id/logs/sse')
  async sse(
    @Param('id') id: string,
    @Query() query: Record<string, unknown>,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
    const step = str(query['step']);
    const job = await this.streams.authorize({
      jobId: id,
      authorization: req.headers.authorization,
      token: str(query['token']),
      step,
    });
    const lastEventId = Number(req.headers['last-event-id']);
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache, no-transform',
      'X-Accel-Buffering': 'no',
      Connection: 'keep-alive',
    });
    res.flushHeaders();
    const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), HEARTBEAT_MS);
    const close = () => {
      clearInterval(heartbeat);
      res.end();
      setTimeout(() => res.destroy(), 5000).unref();
    };
    const stop = this.streams.open(
      job,
      {
        step,
        skipBackfill: str(query['skip_backfill']) === 'true',
        after: Number.isSafeInteger(lastEventId) && lastEventId >= 0 ? lastEventId : undefined,
      },
      {
        send: (lines) => {
          const events = lines.map((l) => `id: ${l.end}\nevent: log\ndata: ${l.line}\n\n`);
          if (res.write(events.join(''))) return Promise.resolve();
          return new Promise((resolve) => {
            const done = () => {
              res.off('drain', done).off('close', done);
              resolve();
            };
            res.on('drain', done).on('close', done);
          });
        },
        buffered: () => res.writableLength,
        finish: (status) => {
          res.write(`event: end\ndata: ${JSON.stringify({ status })}\n\n`);
          close();
        },
        drop: (reason) => {
          res.write(`event: error\ndata: ${JSON.stringify({ error: reason })}\n\n`);
          close();
        },
      },
    );
    res.on('close', () => {
      clearInterval(heartbeat);
      stop();
    });
  }
}
