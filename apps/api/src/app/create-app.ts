import type { LoggerService } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Logger as RequestContextLogger } from 'nestjs-pino';
import { AppModule } from './app.module';
import type { ServerConfig } from './config/server-config';
import { installBinaryBodyParsers } from './http/binary-bodies';
import { installHttpMetrics } from './health/http-metrics';
import { installHttpHardening } from './http/hardening';
import { requestLogRoot } from './logging/request-logging';
import { MAX_STATE_ARCHIVE_BYTES } from './state/state-archive';
import { DEFAULT_WEBHOOK_MAX_BODY_BYTES, installWebhookBodyParser } from './webhooks/webhook-body';

/** The Nest application, not yet listening (main.ts and the tests share this). */
export async function createApp(
  config: ServerConfig,
  databaseUrl: string,
  logger: LoggerService | false,
): Promise<NestExpressApplication> {
  const app = await NestFactory.create<NestExpressApplication>(
    AppModule.register(config, databaseUrl, requestLogRoot(logger)),
    { logger, bodyParser: false, abortOnError: false },
  );
  // From here on Nest logs through nestjs-pino, so lines logged while handling a request carry
  // its `req.id`; `false` keeps the app silent.
  if (logger !== false) app.useLogger(app.get(RequestContextLogger));
  // RED metrics of `/api/*` (`stroem_http_requests_total`, `…_duration_seconds`), first in line.
  installHttpMetrics(app);
  // `/hooks` bodies: raw bytes up to `webhooks.max_body_bytes` (413 beyond), read first.
  installWebhookBodyParser(app, config.webhooks?.max_body_bytes ?? DEFAULT_WEBHOOK_MAX_BODY_BYTES);
  // State tarballs and artifact files: raw bytes, read before the JSON parser.
  installBinaryBodyParsers(app, { stateBytes: MAX_STATE_ARCHIVE_BYTES });
  // Headers, CORS, cookies, JSON bodies with size limits (an unparsable one is a 400).
  installHttpHardening(app, config);
  await app.init();
  return app;
}
