/**
 * `stroem dev`: the all-in-one development setup — the server (embedded PostgreSQL unless
 * DATABASE_URL is set) serving one workspace as `default`, and one worker pointed at it.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import { CliError, EXIT } from '../cli-error';
import { stylerFor } from '../output/style';
import {
  REPO_ROOT,
  SERVER_BIN,
  WORKER_BIN,
  onStopSignals,
  startService,
  type ServiceProcess,
} from '../service-process/service-process';

interface DevOptions {
  path?: string;
  port: number;
  readyTimeout: number;
}

function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 65535) {
    throw new InvalidArgumentError('expected a port number (1–65535)');
  }
  return n;
}

function seconds(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('expected seconds > 0');
  return n;
}

/** Resolves when `GET url` answers 200; rejects when `deadline` passes or `gone` resolves first. */
async function waitForHealthy(url: string, deadline: number, gone: Promise<number>): Promise<void> {
  let exitCode: number | undefined;
  void gone.then((code) => (exitCode = code));
  for (;;) {
    if (exitCode !== undefined) {
      throw new CliError(`the server exited (code ${exitCode}) before it was ready`, EXIT.failed);
    }
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2_000) });
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      throw new CliError(`the server did not answer ${url} in time`, EXIT.failed);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * The environment without `STROEM__*` variables: those the caller set are meant for the server
 * (`STROEM__DB__URL`, `STROEM__LISTEN`…), and the worker rejects keys it does not know.
 */
function withoutStroemOverrides(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([name]) => !name.startsWith('STROEM__')));
}

function banner(url: string, workspace: string, database: string): string {
  const style = stylerFor(process.stdout);
  const execute = `${url}/api/workspaces/default/tasks/hello-world/execute`;
  return [
    '',
    style('bold', `Strøm is running at ${url}`),
    `  workspace 'default': ${workspace}`,
    `  database:            ${database}`,
    '',
    '  Try:',
    `    curl -s ${url}/api/workspaces/default/tasks`,
    `    curl -s -X POST -H 'content-type: application/json' \\`,
    `         -d '{"input": {"name": "Ada"}}' ${execute}`,
    `    curl -s ${url}/api/jobs/<job_id>        # then …/logs`,
    '',
    '  Ctrl-C stops the worker, then the server.',
    '',
  ].join('\n');
}

export function registerDevCommand(program: Command): void {
  program
    .command('dev')
    .description(
      'Start the server and one worker together (embedded PostgreSQL unless DATABASE_URL is set)',
    )
    .option('-p, --path <path>', 'workspace served as "default" (default: examples/default)')
    .option('--port <port>', 'HTTP port of the server', port, 8080)
    .option('--ready-timeout <seconds>', 'how long to wait for the server to start', seconds, 120)
    .action(async (opts: DevOptions, command: Command) => {
      const given = opts.path ?? command.parent?.opts<{ path?: string }>().path;
      const workspace = resolve(given ?? join(REPO_ROOT, 'examples/default'));
      if (!existsSync(workspace)) throw new CliError(`no such workspace folder: ${workspace}`);

      const style = stylerFor(process.stdout);
      const token = randomBytes(32).toString('hex');
      const url = `http://127.0.0.1:${opts.port}`;
      const dataDir = join(process.cwd(), '.data');
      const database = process.env['STROEM__DB__URL']
        ? 'STROEM__DB__URL'
        : process.env['DATABASE_URL']
          ? 'DATABASE_URL'
          : `embedded PostgreSQL, started by the server (its first log lines say where the data is)`;

      let stopping = false;
      let worker: ServiceProcess | undefined;
      const server = startService({
        bin: SERVER_BIN,
        prefix: style('cyan', 'server | '),
        env: {
          ...process.env,
          STROEM__LISTEN: `0.0.0.0:${opts.port}`,
          STROEM__WORKER_TOKEN: token,
          STROEM__WORKSPACES__DEFAULT__TYPE: 'folder',
          STROEM__WORKSPACES__DEFAULT__PATH: workspace,
        },
      });

      const stopAll = async (): Promise<void> => {
        stopping = true;
        if (worker) await worker.stop(35_000);
        await server.stop(20_000);
      };
      const stopListening = onStopSignals(
        () => {
          process.stderr.write('\nStopping the worker, then the server…\n');
          void stopAll();
        },
        () => {
          process.stderr.write('Killing the worker and the server.\n');
          worker?.signal('SIGKILL');
          server.signal('SIGKILL');
        },
      );

      try {
        try {
          await waitForHealthy(
            `${url}/healthz`,
            Date.now() + opts.readyTimeout * 1000,
            server.exited,
          );
        } catch (err) {
          if (stopping) return void (await server.exited);
          await server.stop(20_000);
          throw err;
        }
        if (stopping) return void (await server.exited);

        worker = startService({
          bin: WORKER_BIN,
          prefix: style('magenta', 'worker | '),
          env: {
            ...withoutStroemOverrides(process.env),
            STROEM__SERVER_URL: url,
            STROEM__WORKER_TOKEN: token,
            STROEM__WORKER_NAME: 'dev-worker',
            STROEM__WORKSPACE_CACHE_DIR: join(dataDir, 'worker/workspaces'),
          },
        });
        process.stdout.write(banner(`http://localhost:${opts.port}`, workspace, database));

        // Either child ending on its own ends the session.
        const first = await Promise.race([
          server.exited.then((code) => ({ who: 'server', code })),
          worker.exited.then((code) => ({ who: 'worker', code })),
        ]);
        if (!stopping) {
          process.stderr.write(`stroem: the ${first.who} exited (code ${first.code}); stopping.\n`);
          await stopAll();
          process.exitCode = first.code === 0 ? EXIT.failed : first.code;
          return;
        }
        await Promise.all([server.exited, worker.exited]);
      } finally {
        stopListening();
      }
    });
}
