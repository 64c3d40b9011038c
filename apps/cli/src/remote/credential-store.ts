/**
 * The credentials `stroem login` keeps: one JSON file, `$XDG_CONFIG_HOME/stroem/credentials.json`
 * (else `~/.config/stroem/credentials.json`), keyed by normalised server URL. It holds tokens, so
 * the folder is 0700, the file 0600, and every write replaces it whole (temp file + rename): a
 * reader never sees half a file, and a crash never leaves a truncated one.
 */
import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  closeSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  statSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join } from 'node:path';
import { CliError } from '../cli-error';

const FILE_MODE = 0o600;
const DIR_MODE = 0o700;

export interface StoredCredentials {
  /** Normalised server URL (the key of the entry). */
  server: string;
  email: string;
  /** A JWT from `POST /api/auth/login`, or an API key (`strm_…`) given to `stroem login --token`. */
  access_token: string;
  /** Absent for an API key: there is nothing to refresh. */
  refresh_token?: string;
  /** RFC 3339; when the entry was last written (login or refresh). */
  saved_at: string;
}

interface CredentialsFile {
  version: 1;
  servers: Record<string, StoredCredentials>;
}

/**
 * `http(s)://host[:port][/path]`: lower-case host, no default port, no trailing slash, no query.
 * `HTTP://Example.com:80/` and `http://example.com` name the same server.
 */
export function normaliseServerUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url.trim());
  } catch {
    throw new CliError(`invalid server URL '${url}': expected http(s)://host[:port]`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new CliError(`invalid server URL '${url}': expected http:// or https://`);
  }
  if (parsed.username || parsed.password) {
    throw new CliError('invalid server URL: put no user name or password in it');
  }
  return `${parsed.protocol}//${parsed.host}${parsed.pathname.replace(/\/+$/, '')}`;
}

/** Where the credentials live for this environment (XDG Base Directory rules). */
export function credentialsPath(env: NodeJS.ProcessEnv): string {
  const xdg = env['XDG_CONFIG_HOME'];
  // The spec says relative XDG paths are invalid and must be ignored.
  const configHome = xdg && isAbsolute(xdg) ? xdg : join(env['HOME'] || homedir(), '.config');
  return join(configHome, 'stroem', 'credentials.json');
}

export class CredentialStore {
  constructor(readonly path: string) {}

  static fromEnv(env: NodeJS.ProcessEnv): CredentialStore {
    return new CredentialStore(credentialsPath(env));
  }

  get(server: string): StoredCredentials | undefined {
    return this.read().servers[normaliseServerUrl(server)];
  }

  /** Every server with stored credentials, sorted by URL. */
  list(): StoredCredentials[] {
    const servers = this.read().servers;
    return Object.keys(servers)
      .sort()
      .map((key) => servers[key]);
  }

  put(entry: Omit<StoredCredentials, 'saved_at'>): void {
    const server = normaliseServerUrl(entry.server);
    const file = this.read();
    file.servers[server] = { ...entry, server, saved_at: new Date().toISOString() };
    this.write(file);
  }

  /** True when there was an entry to remove. */
  remove(server: string): boolean {
    const key = normaliseServerUrl(server);
    const file = this.read();
    if (!(key in file.servers)) return false;
    delete file.servers[key];
    this.write(file);
    return true;
  }

  private read(): CredentialsFile {
    let text: string;
    try {
      text = readFileSync(this.path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { version: 1, servers: {} };
      throw new CliError(
        `cannot read the credentials file ${this.path}: ${(err as Error).message}`,
      );
    }
    this.tightenModes();
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new CliError(
        `the credentials file ${this.path} is not valid JSON: delete it and run stroem login again`,
      );
    }
    const servers = (parsed as Partial<CredentialsFile> | null)?.servers;
    if (typeof servers !== 'object' || servers === null || Array.isArray(servers)) {
      throw new CliError(
        `the credentials file ${this.path} has no 'servers' mapping: delete it and run stroem login again`,
      );
    }
    return { version: 1, servers };
  }

  /** A file or folder made too open by hand (or by an old version) is closed again. */
  private tightenModes(): void {
    for (const [path, mode] of [
      [this.path, FILE_MODE],
      [dirname(this.path), DIR_MODE],
    ] as const) {
      try {
        if ((statSync(path).mode & 0o077) !== 0) chmodSync(path, mode);
      } catch {
        // not ours to fix (another owner): reading it still works
      }
    }
  }

  private write(file: CredentialsFile): void {
    const dir = dirname(this.path);
    mkdirSync(dir, { recursive: true, mode: DIR_MODE });
    chmodSync(dir, DIR_MODE);
    const temp = join(dir, `.credentials.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
    // Created 0600 from the start: the tokens are never readable by others, not even briefly.
    const fd = openSync(temp, 'wx', FILE_MODE);
    try {
      writeSync(fd, `${JSON.stringify(file, null, 2)}\n`);
      fsyncSync(fd);
      closeSync(fd);
      renameSync(temp, this.path);
    } catch (err) {
      try {
        closeSync(fd);
      } catch {
        // already closed
      }
      try {
        unlinkSync(temp);
      } catch {
        // never created or already renamed
      }
      throw new CliError(
        `cannot write the credentials file ${this.path}: ${(err as Error).message}`,
      );
    }
  }
}
