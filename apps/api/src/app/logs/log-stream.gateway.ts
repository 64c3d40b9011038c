/**
 * `GET /api/jobs/{id}/logs/stream` as a WebSocket (reference §3.1): text frames, first the stored
 * log (unless `?skip_backfill=true`), then each appended JSONL chunk; client messages are ignored.
 *
 * A plain `ws` server in `noServer` mode on the HTTP server's `upgrade` event rather than a Nest
 * gateway: `@nestjs/platform-ws` matches a gateway to one fixed path, and this route has a path
 * parameter; here we also answer a refused upgrade with a real HTTP status (401, 404) before any
 * WebSocket exists, which a gateway cannot. Auth is our own (the route is outside Nest's guards):
 * `Authorization: Bearer` or `?token=`, a JWT or an API key.
 *
 * Extensions: `?step=<name>` keeps one step's lines. When the job is terminal the server closes
 * with 1000 "job <status>"; with `?end_event=true` it first sends `{"event":"end","status":…}`
 * (opt-in, since upstream clients print every frame). A client that stops reading is closed with
 * 1013 once more than MAX_BUFFERED_BYTES wait for it.
 */
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import {
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnModuleDestroy,
} from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { WebSocket, WebSocketServer } from 'ws';
import { DomainError } from '../errors/domain-errors';
import { LogStreamService } from './log-stream.service';

const ROUTE = /^\/api\/jobs\/([^/]+)\/logs\/stream\/?$/;
const STATUS: Record<string, [number, string]> = {
  invalid: [400, 'Bad Request'],
  unauthorized: [401, 'Unauthorized'],
  forbidden: [403, 'Forbidden'],
  'not-found': [404, 'Not Found'],
};
/** After a close frame the client does not answer, drop the socket (and its buffer). */
const CLOSE_GRACE_MS = 5000;

@Injectable()
export class LogStreamGateway implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(LogStreamGateway.name);
  private readonly wss = new WebSocketServer({ noServer: true });
  private readonly listener = (req: IncomingMessage, socket: Duplex, head: Buffer) =>
    void this.upgrade(req, socket, head);
  private server: Server | undefined;

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly streams: LogStreamService,
  ) {}

  onApplicationBootstrap(): void {
    this.server = this.adapterHost.httpAdapter?.getHttpServer() as Server | undefined;
    this.server?.on('upgrade', this.listener);
  }

  onModuleDestroy(): void {
    this.server?.off('upgrade', this.listener);
    for (const client of this.wss.clients) client.terminate();
    this.wss.close();
  }

  private async upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const match = ROUTE.exec(url.pathname);
    if (!match) {
      // Someone else's upgrade, if anyone else listens; otherwise nothing answers it.
      if ((this.server?.listenerCount('upgrade') ?? 0) <= 1)
        refuse(socket, 404, 'Not Found', 'Not found');
      return;
    }
    const q = url.searchParams;
    const step = q.get('step') ?? undefined;
    let job;
    try {
      job = await this.streams.authorize({
        jobId: decodeURIComponent(match[1]),
        authorization: req.headers.authorization,
        token: q.get('token') ?? undefined,
        step,
      });
    } catch (err) {
      const [status, reason] =
        err instanceof DomainError
          ? (STATUS[err.kind] ?? [400, 'Bad Request'])
          : [500, 'Internal Server Error'];
      if (status === 500) this.logger.error(`log stream upgrade failed: ${(err as Error).message}`);
      refuse(socket, status, reason, err instanceof DomainError ? err.message : 'Internal error');
      return;
    }
    const endEvent = q.get('end_event') === 'true';
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      const stop = this.streams.open(
        job,
        { step, skipBackfill: q.get('skip_backfill') === 'true' },
        {
          send: (lines) =>
            new Promise((resolve) => {
              if (ws.readyState !== WebSocket.OPEN) return resolve();
              ws.send(lines.map((l) => `${l.line}\n`).join(''), () => resolve());
            }),
          buffered: () => ws.bufferedAmount,
          finish: (status) => {
            if (endEvent && ws.readyState === WebSocket.OPEN)
              ws.send(JSON.stringify({ event: 'end', status }));
            closeWithin(ws, 1000, `job ${status}`);
          },
          drop: (reason, goingAway) =>
            closeWithin(ws, goingAway ? 1001 : 1013, reason.slice(0, 120)),
        },
      );
      ws.on('close', stop);
      ws.on('error', stop);
    });
  }
}

function closeWithin(ws: WebSocket, code: number, reason: string): void {
  if (ws.readyState !== WebSocket.OPEN) return;
  ws.close(code, reason);
  setTimeout(() => ws.terminate(), CLOSE_GRACE_MS).unref();
}

function refuse(socket: Duplex, status: number, reason: string, message: string): void {
  const body = JSON.stringify({ error: message });
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}
