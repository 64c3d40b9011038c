/**
 * `stroem-server`: the API server. Config from `--config` / `STROEM_CONFIG` and `STROEM__…`
 * env; without a database URL it starts the embedded PostgreSQL first (and stops it last).
 */
import 'reflect-metadata';
import { resolve } from 'node:path';
import { startEmbeddedPostgres, type EmbeddedPostgresHandle } from '@stroem/db';
import { ConfigError, loadServerConfig } from './app/config/config-loader';
import { createApp } from './app/create-app';
import { createLogger, PinoNestLogger } from './app/logging/pino-logger';

export async function main(argv: readonly string[]): Promise<void> {
  let config;
  try {
    config = loadServerConfig({ argv, env: process.env, cwd: process.cwd() });
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`stroem-server: invalid configuration: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  const logger = createLogger();

  let embedded: EmbeddedPostgresHandle | undefined;
  let databaseUrl = config.db.url;
  if (!databaseUrl) {
    const { data_dir, port } = config.db.embedded;
    logger.info(
      `no db.url or DATABASE_URL configured: starting embedded PostgreSQL (data: ${data_dir}, port ${port})`,
    );
    embedded = await startEmbeddedPostgres({ dataDir: data_dir, port });
    if (embedded.dataDir !== resolve(data_dir)) {
      logger.warn(
        `embedded PostgreSQL keeps its data in ${embedded.dataDir}: the postgres system user cannot reach ${resolve(data_dir)}`,
      );
    }
    databaseUrl = embedded.url;
  }
  if (!config.worker_token) {
    logger.warn('no worker_token configured: the worker API (/worker) accepts any caller');
  }

  const app = await createApp(config, databaseUrl, new PinoNestLogger(logger));
  await app.listen(config.listen.port, config.listen.host);
  logger.info(`listening on http://${config.listen.host}:${config.listen.port}`);

  // Our own signal handling rather than enableShutdownHooks(), whose handler re-raises the
  // signal right after app.close(): the embedded database has to stop after the app.
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info(`${signal}: shutting down`);
    try {
      await app.close();
      await embedded?.stop();
    } finally {
      process.exit(0);
    }
  };
  // `on`, not `once`: a second Ctrl-C (npm forwards one too) must not kill us mid-shutdown
  // and leave the embedded database running.
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
}

if (require.main === module) {
  main(process.argv).catch((err: Error) => {
    process.stderr.write(`stroem-server: ${err.message}\n`);
    process.exit(1);
  });
}
