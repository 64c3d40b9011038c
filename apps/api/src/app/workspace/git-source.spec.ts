import { execFileSync } from 'node:child_process';
import { mkdtempSync, promises as fs, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { authEnv, GitSource, redactUrl } from './git-source';

describe('git credentials', () => {
  it('passes a token as an http.extraHeader through GIT_CONFIG_* variables only', async () => {
    const env = await authEnv({ type: 'token', token: 's3cret', username: 'bot' });
    expect(env.vars['GIT_CONFIG_KEY_0']).toBe('http.extraHeader');
    expect(env.vars['GIT_CONFIG_VALUE_0']).toBe(
      `Authorization: Basic ${Buffer.from('bot:s3cret').toString('base64')}`,
    );
    expect(env.vars['GIT_TERMINAL_PROMPT']).toBe('0');
  });

  it('writes an inline SSH key to a 0600 temp file named in GIT_SSH_COMMAND, removed after', async () => {
    const env = await authEnv({ type: 'ssh_key', key: 'KEY' });
    const command = env.vars['GIT_SSH_COMMAND'] as string;
    expect(command).toContain('StrictHostKeyChecking=accept-new');
    const keyFile = /-i '([^']+)'/.exec(command)?.[1] as string;
    expect((await fs.stat(keyFile)).mode & 0o777).toBe(0o600);
    expect(readFileSync(keyFile, 'utf8')).toBe('KEY\n');
    await env.cleanup();
    await expect(fs.stat(keyFile)).rejects.toThrow();
  });

  it('redacts user info from URLs', () => {
    expect(redactUrl('https://u:tok@host/r.git')).toBe('https://host/r.git');
  });
});

describe('GitSource', () => {
  const root = mkdtempSync(path.join(tmpdir(), 'stroem-git-source-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  const git = (cwd: string, ...args: string[]) =>
    execFileSync('git', args, {
      cwd,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env,
        GIT_AUTHOR_NAME: 't',
        GIT_AUTHOR_EMAIL: 't@t',
        GIT_COMMITTER_NAME: 't',
        GIT_COMMITTER_EMAIL: 't@t',
      },
    }).trim();

  it('peeks, checks out a detached worktree per commit and keeps the token out of the repo config', async () => {
    const bare = path.join(root, 'r.git');
    const work = path.join(root, 'w');
    git(root, 'init', '--bare', '--quiet', '-b', 'main', bare);
    git(root, 'init', '--quiet', '-b', 'main', work);
    writeFileSync(path.join(work, 'f.txt'), 'one');
    git(work, 'add', '-A');
    git(work, 'commit', '--quiet', '-m', 'one');
    git(work, 'push', '--quiet', bare, 'main');
    const sha = git(work, 'rev-parse', 'HEAD');

    const source = new GitSource(
      'ws',
      {
        type: 'git',
        url: `file://${bare}`,
        ref: 'main',
        poll_interval_secs: 1,
        auth: { type: 'token', token: 'TOPSECRET' },
      },
      path.join(root, 'cache'),
    );
    expect(await source.peek()).toBe(sha);
    const dir = await source.checkout(sha);
    expect(readFileSync(path.join(dir, 'f.txt'), 'utf8')).toBe('one');
    expect(git(dir, 'rev-parse', 'HEAD')).toBe(sha);
    const config = readFileSync(path.join(dir, '..', '..', 'repo.git', 'config'), 'utf8');
    expect(config).not.toContain('TOPSECRET');
    expect(await source.hasCommit(sha)).toBe(true);

    const missing = new GitSource(
      'ws',
      { type: 'git', url: `file://${bare}`, ref: 'nope', poll_interval_secs: 1 },
      path.join(root, 'cache'),
    );
    await expect(missing.peek()).rejects.toThrow(/ref 'nope' not found/);
  });
});
