/**
 * A git remote as a workspace (or library) source, through the `git` CLI: a bare cache
 * repository under the server's cache dir, a cheap `git ls-remote` peek before each fetch, and
 * one detached worktree per revision (the commit SHA). Credentials never reach the repository
 * config or the process list: a token travels as an `http.extraHeader` in `GIT_CONFIG_*`
 * environment variables, an inline SSH key as a 0600 temp file named in `GIT_SSH_COMMAND`.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { GitAuthConfig, GitWorkspaceConfig } from '../config/server-config';

const SHA = /^[0-9a-f]{40}$/;
const KEPT_WORKTREES = 5;

export class GitSourceError extends Error {
  override name = 'GitSourceError';
}

interface GitResult {
  stdout: string;
  stderr: string;
}

export class GitSource {
  private readonly repoDir: string;
  private readonly worktreeRoot: string;
  private readonly worktrees: string[] = [];
  private initialised = false;

  constructor(
    label: string,
    private readonly source: GitWorkspaceConfig,
    cacheDir: string,
  ) {
    const key = createHash('sha256').update(`${source.url}\0${source.ref}`).digest('hex');
    const base = path.join(
      cacheDir,
      `${label.replace(/[^A-Za-z0-9_.-]/g, '_')}-${key.slice(0, 12)}`,
    );
    this.repoDir = path.join(base, 'repo.git');
    this.worktreeRoot = path.join(base, 'worktrees');
  }

  /** The commit the configured ref points at on the remote (`git ls-remote`). */
  async peek(): Promise<string> {
    const { stdout } = await this.git(['ls-remote', '--', this.source.url, this.source.ref]);
    const ref = this.source.ref;
    const lines = stdout
      .split('\n')
      .map((l) => l.trim().split(/\s+/))
      .filter((parts) => parts.length === 2 && SHA.test(parts[0]));
    const exact =
      lines.find(([, name]) => name === `refs/heads/${ref}`) ??
      lines.find(([, name]) => name === `refs/tags/${ref}^{}`) ??
      lines.find(([, name]) => name === `refs/tags/${ref}`) ??
      lines.find(([, name]) => name === ref) ??
      lines[0];
    if (!exact) {
      if (SHA.test(ref)) return ref;
      throw new GitSourceError(`ref '${ref}' not found in ${redactUrl(this.source.url)}`);
    }
    return exact[0];
  }

  /** Fetches the ref and checks out `sha` as a detached worktree; its directory. */
  async checkout(sha: string): Promise<string> {
    const dir = path.join(this.worktreeRoot, sha);
    if (await exists(path.join(dir, '.git'))) return dir;
    await this.init();
    if (!(await this.hasCommit(sha))) {
      await this.fetch(this.source.ref);
      // The ref may have moved on since the peek: fetch the pinned commit itself.
      if (!(await this.hasCommit(sha))) await this.fetch(sha).catch(() => undefined);
      if (!(await this.hasCommit(sha)))
        throw new GitSourceError(`commit ${sha} not found after fetching '${this.source.ref}'`);
      // Keep every fetched commit reachable so a pinned revision can be checked out again later.
      await this.git(['--git-dir', this.repoDir, 'update-ref', `refs/stroem/${sha}`, sha]);
    }
    await fs.mkdir(this.worktreeRoot, { recursive: true });
    await fs.rm(dir, { recursive: true, force: true });
    await this.git(['--git-dir', this.repoDir, 'worktree', 'prune']);
    await this.git(['--git-dir', this.repoDir, 'worktree', 'add', '--detach', '--force', dir, sha]);
    this.worktrees.push(dir);
    await this.pruneWorktrees();
    return dir;
  }

  private fetch(what: string): Promise<GitResult> {
    return this.git(['--git-dir', this.repoDir, 'fetch', '--no-tags', '--', this.source.url, what]);
  }

  /** True when `sha` was fetched before (then {@link checkout} works without the network). */
  async hasCommit(sha: string): Promise<boolean> {
    if (!SHA.test(sha) || !(await exists(this.repoDir))) return false;
    try {
      await this.git(['--git-dir', this.repoDir, 'cat-file', '-e', `${sha}^{commit}`]);
      return true;
    } catch {
      return false;
    }
  }

  private async init(): Promise<void> {
    if (this.initialised) return;
    if (!(await exists(path.join(this.repoDir, 'HEAD')))) {
      await fs.mkdir(this.repoDir, { recursive: true });
      await this.git(['init', '--bare', '--quiet', this.repoDir]);
    }
    this.initialised = true;
  }

  private async pruneWorktrees(): Promise<void> {
    while (this.worktrees.length > KEPT_WORKTREES) {
      const old = this.worktrees.shift() as string;
      await this.git(['--git-dir', this.repoDir, 'worktree', 'remove', '--force', old]).catch(() =>
        fs.rm(old, { recursive: true, force: true }),
      );
    }
  }

  private async git(args: string[]): Promise<GitResult> {
    const env = await authEnv(this.source.auth);
    try {
      return await new Promise<GitResult>((resolve, reject) => {
        execFile(
          'git',
          args,
          { env: env.vars, maxBuffer: 64 * 1024 * 1024, timeout: 120_000 },
          (err, stdout, stderr) =>
            err ? reject(Object.assign(err, { stderr })) : resolve({ stdout, stderr }),
        );
      });
    } catch (err) {
      throw new GitSourceError(
        describeGitFailure(this.source.url, args[0] === '--git-dir' ? args[2] : args[0], err),
      );
    } finally {
      await env.cleanup();
    }
  }
}

/** Environment for one git run: no prompts, and the configured credentials. */
export async function authEnv(
  auth: GitAuthConfig | undefined,
): Promise<{ vars: NodeJS.ProcessEnv; cleanup: () => Promise<void> }> {
  const vars: NodeJS.ProcessEnv = {
    ...process.env,
    GIT_TERMINAL_PROMPT: '0',
    GIT_ASKPASS: 'true',
    SSH_ASKPASS: 'true',
    LC_ALL: 'C',
  };
  let cleanup = async () => undefined;
  if (auth?.type === 'token' && auth.token) {
    const basic = Buffer.from(`${auth.username ?? 'x-access-token'}:${auth.token}`).toString(
      'base64',
    );
    vars['GIT_CONFIG_COUNT'] = '1';
    vars['GIT_CONFIG_KEY_0'] = 'http.extraHeader';
    vars['GIT_CONFIG_VALUE_0'] = `Authorization: Basic ${basic}`;
  } else if (auth?.type === 'ssh_key') {
    let keyFile = auth.key_path;
    if (auth.key) {
      const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'stroem-ssh-'));
      keyFile = path.join(dir, 'key');
      const key = auth.key.endsWith('\n') ? auth.key : `${auth.key}\n`;
      await fs.writeFile(keyFile, key, { mode: 0o600 });
      cleanup = async () => {
        await fs.rm(dir, { recursive: true, force: true });
      };
    }
    const user = auth.username ? ` -l ${shellQuote(auth.username)}` : '';
    vars['GIT_SSH_COMMAND'] =
      `ssh -i ${shellQuote(keyFile ?? '')} -o IdentitiesOnly=yes -o BatchMode=yes -o StrictHostKeyChecking=accept-new${user}`;
  }
  return { vars, cleanup };
}

function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** `https://user:secret@host/x` ⇒ `https://host/x`. */
export function redactUrl(url: string): string {
  return url.replace(/^([a-z+]+:\/\/)[^@/]*@/i, '$1');
}

function describeGitFailure(url: string, command: string, err: unknown): string {
  const e = err as { stderr?: string; message?: string; killed?: boolean };
  const stderr = (e.stderr ?? '').trim();
  const where = redactUrl(url);
  if (e.killed) return `git ${command} ${where}: timed out`;
  if (
    /Authentication failed|could not read Username|terminal prompts disabled|Permission denied \(publickey|HTTP Basic: Access denied|403|401/i.test(
      stderr,
    )
  )
    return `git ${command} ${where}: authentication failed`;
  if (
    /does not appear to be a git repository|not found|Could not resolve host|unable to access|No such file|Connection refused/i.test(
      stderr,
    )
  )
    return `git ${command} ${where}: repository not reachable: ${lastLine(stderr)}`;
  if (/couldn't find remote ref/i.test(stderr)) return `git ${command} ${where}: ref not found`;
  return `git ${command} ${where} failed: ${lastLine(stderr) || e.message || 'unknown error'}`;
}

function lastLine(text: string): string {
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  return redactUrl(lines[lines.length - 1] ?? '').replace(/^fatal: /, '');
}

async function exists(p: string): Promise<boolean> {
  try {
    await fs.access(p);
    return true;
  } catch {
    return false;
  }
}
