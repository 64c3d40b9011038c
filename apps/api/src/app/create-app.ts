import type { LoggerService } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { AppModule } from './app.module';
import type { ServerConfig } from './config/server-config';
import { installHttpHardening } from './http/hardening';
import { DEFAULT_WEBHOOK_MAX_BODY_BYTES, installWebhookBodyParser } from './webhooks/webhook-body';

/** The Nest application, not yet listening (main.ts and the tests share this). */
export async function createApp(
  config: ServerConfig,
  databaseUrl: string,
  logger: LoggerService | false,
): Promise<NestExpressApplication> {
  const app = await NestFactory.create<NestExpressApplication>(
    AppModule.register(config, databaseUrl),
    { logger, bodyParser: false, abortOnError: false },
  );
  // `/hooks` bodies: raw bytes up to `webhooks.max_body_bytes` (413 beyond), read first.
  installWebhookBodyParser(app, config.webhooks?.max_body_bytes ?? DEFAULT_WEBHOOK_MAX_BODY_BYTES);
  // Headers, CORS, cookies, JSON bodies with size limits (an unparsable one is a 400).
  installHttpHardening(app, config);
  await app.init();
  return app;
}
