/** Finds programs on PATH the way a shell would, and asks a found `node` for its version. */
import { execFileSync } from 'node:child_process';
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, join, resolve } from 'node:path';

export function isExecutableFile(path: string): boolean {
  try {
    if (!statSync(path).isFile()) return false;
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * The first `name` on `pathVar` that is an executable file, or undefined. A name with a slash is
 * a path, taken relative to `cwd` (the step's working directory) like `execvp` after a `chdir`.
 */
export function findExecutable(
  name: string,
  pathVar: string | undefined,
  cwd: string = process.cwd(),
): string | undefined {
  if (name.includes('/')) {
    const full = resolve(cwd, name);
    return isExecutableFile(full) ? full : undefined;
  }
  for (const dir of (pathVar ?? '').split(delimiter)) {
    if (dir === '') continue;
    const candidate = join(dir, name);
    if (isExecutableFile(candidate)) return candidate;
  }
  return undefined;
}

export interface NodeVersion {
  /** As `node --version` prints it, e.g. `v22.6.0`. */
  text: string;
  major: number;
  minor: number;
}

const nodeVersions = new Map<string, NodeVersion | undefined>();

/**
 * `node --version` of the node binary at `path`, or undefined when it does not run or prints
 * something else. Cached per binary (and its modification time, so an upgrade is noticed).
 */
export function nodeVersionOf(path: string): NodeVersion | undefined {
  let key: string;
  try {
    key = `${path}@${statSync(path).mtimeMs}`;
  } catch {
    return undefined;
  }
  if (nodeVersions.has(key)) return nodeVersions.get(key);
  let version: NodeVersion | undefined;
  try {
    const text = execFileSync(path, ['--version'], {
      encoding: 'utf8',
      timeout: 10_000,
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
    const match = /^v(\d+)\.(\d+)\.\d+/.exec(text);
    if (match) version = { text, major: Number(match[1]), minor: Number(match[2]) };
  } catch {
    version = undefined;
  }
  nodeVersions.set(key, version);
  return version;
}
