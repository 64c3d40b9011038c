/**
 * `stroem-worker`: loads the config, runs the worker until SIGINT/SIGTERM, then stops it
 * gracefully. Resolves with the exit code: 0 after a clean stop, 2 for a bad config.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import pino, { type Logger } from 'pino';
import { loadWorkerConfig, WorkerConfigError, type WorkerConfig } from './config/worker-config';
import { Worker } from './lifecycle/worker';
import { RunnerSetupError } from './step/step-runners';

const USAGE = `Usage: stroem-worker [--config <file>]

Runs a Strøm worker. The config file (YAML; also STROEM_WORKER_CONFIG) is overridden by
STROEM__<KEY> environment variables, e.g. STROEM__SERVER_URL, STROEM__WORKER_TOKEN,
STROEM__MAX_CONCURRENT. server_url is required.
`;

interface Arguments {
  config?: string;
  help: boolean;
}

function parseArguments(args: readonly string[]): Arguments {
  const parsed: Arguments = { help: false };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === '--help' || arg === '-h') parsed.help = true;
    else if (arg === '--config' || arg === '-c') {
      const value = args[++i];
      if (value === undefined) throw new WorkerConfigError(`${arg} needs a file name`);
      parsed.config = value;
    } else if (arg.startsWith('--config=')) parsed.config = arg.slice('--config='.length);
    else throw new WorkerConfigError(`unknown argument '${arg}'\n\n${USAGE}`);
  }
  return parsed;
}

function workerVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(join(__dirname, '../../../package.json'), 'utf8')) as {
      version?: string;
    };
    return pkg.version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
}

export function createLogger(level = process.env['STROEM_LOG_LEVEL'] ?? 'info'): Logger {
  return pino({
    level,
    base: { service: 'stroem-worker' },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
  });
}

/** `argv` as `process.argv`: the node binary and the script first. */
export async function main(argv: readonly string[]): Promise<number> {
  let config: WorkerConfig;
  try {
    const args = parseArguments(argv.slice(2));
    if (args.help) {
      process.stdout.write(USAGE);
      return 0;
    }
    config = loadWorkerConfig({ file: args.config ?? process.env['STROEM_WORKER_CONFIG'] });
  } catch (err) {
    if (err instanceof WorkerConfigError) {
      process.stderr.write(`stroem-worker: ${err.message}\n`);
      return 2;
    }
    throw err;
  }

  const logger = createLogger();
  // A bug somewhere must not take running steps down with the process.
  process.on('unhandledRejection', (reason) =>
    logger.error({ err: reason }, 'unhandled rejection'),
  );
  process.on('uncaughtException', (err) => logger.error({ err }, 'uncaught exception'));

  let worker: Worker;
  try {
    worker = new Worker({ config, logger, version: workerVersion() });
  } catch (err) {
    if (err instanceof RunnerSetupError) {
      process.stderr.write(`stroem-worker: worker config: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
  let firstSignalAt = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    const now = Date.now();
    if (firstSignalAt === 0) {
      firstSignalAt = now;
      logger.info({ signal }, `${signal} received: shutting down gracefully`);
      void worker.stop();
    } else if (now - firstSignalAt > 1_000) {
      logger.warn({ signal }, `${signal} received again: exiting now`);
      process.exit(130);
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  try {
    await worker.start();
  } catch (err) {
    logger.error({ err }, `cannot start the worker: ${(err as Error).message}`);
    await worker.stop();
    return 1;
  }
  await worker.whenStopped();
  await worker.stop();
  return 0;
}
