import { Controller, Get, Param, Post, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { requireJobId } from '../errors/domain-errors';
import type { IncomingWebhook } from './webhook-request';
import {
  parseStatusTimeout,
  parseWait,
  WebhookJobCreationError,
  WebhooksService,
  type WebhookReply,
} from './webhooks.service';

function incoming(req: Request): IncomingWebhook {
  return {
    method: req.method,
    headers: req.headers,
    query: (req.query ?? {}) as Record<string, unknown>,
    body: Buffer.isBuffer(req.body) ? req.body : undefined,
  };
}

/** Webhooks (reference §3.3): no user auth, an optional per-trigger secret. */
@Controller('hooks')
export class WebhooksController {
  constructor(private readonly webhooks: WebhooksService) {}

  @Get(':name')
  async get(@Param('name') name: string, @Req() req: Request, @Res() res: Response) {
    await this.fire(name, req, res);
  }

  @Post(':name')
  async post(@Param('name') name: string, @Req() req: Request, @Res() res: Response) {
    await this.fire(name, req, res);
  }

  @Get(':name/jobs/:jobId')
  async status(
    @Param('name') name: string,
    @Param('jobId') jobId: string,
    @Req() req: Request,
    @Res() res: Response,
  ) {
    const id = requireJobId(jobId);
    const reply = await this.webhooks.jobStatus(
      name,
      id,
      incoming(req),
      parseWait(req.query['wait']),
      parseStatusTimeout(req.query['timeout']),
    );
    res.setHeader('Cache-Control', 'no-store');
    send(res, reply);
  }

  private async fire(name: string, req: Request, res: Response): Promise<void> {
    try {
      send(res, await this.webhooks.trigger(name, incoming(req)));
    } catch (err) {
      if (!(err instanceof WebhookJobCreationError)) throw err;
      res.status(500).json({ error: err.message });
    }
  }
}

function send(res: Response, reply: WebhookReply): void {
  res.status(reply.status).json(reply.body);
}
