/**
 * Workspace sources against a real server and real git: local bare repositories pushed to from
 * a temp clone, folder libraries, cross-workspace actions, load errors and the refresh endpoint.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { JobRepository } from '@stroem/db';
import request from 'supertest';
import { list as listTar } from 'tar';
import { Readable } from 'node:stream';
import type { FolderWorkspace } from './folder-workspace';
import { WorkspaceRegistry } from './workspace-registry.service';
import { startTestServer, type TestServer } from '../../testing/test-server';

const TOKEN = 'x'.repeat(40);
const auth = { Authorization: `Bearer ${TOKEN}` };

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, {
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
}

function write(root: string, files: Record<string, string>): void {
  for (const [rel, text] of Object.entries(files)) {
    const file = path.join(root, rel);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, text, { mode: rel.endsWith('.sh') ? 0o755 : 0o644 });
  }
}

/** A bare repository and a clone to push from. */
class Remote {
  readonly bare: string;
  readonly clone: string;
  constructor(root: string, name: string) {
    this.bare = path.join(root, `${name}.git`);
    this.clone = path.join(root, `${name}-clone`);
    git(root, 'init', '--bare', '--quiet', '-b', 'main', this.bare);
    git(root, 'clone', '--quiet', this.bare, this.clone);
    git(this.clone, 'checkout', '--quiet', '-b', 'main');
  }
  push(files: Record<string, string>, message = 'change'): string {
    write(this.clone, files);
    git(this.clone, 'add', '-A');
    git(this.clone, 'commit', '--quiet', '-m', message);
    git(this.clone, 'push', '--quiet', 'origin', 'main');
    return git(this.clone, 'rev-parse', 'HEAD');
  }
}

async function entries(data: Buffer): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  await new Promise<void>((resolve, reject) => {
    const parser = listTar({
      onReadEntry: (entry) => {
        const chunks: Buffer[] = [];
        entry.on('data', (c: Buffer) => chunks.push(c));
        entry.on('end', () => out.set(entry.path, Buffer.concat(chunks).toString('utf8')));
      },
    });
    parser.on('end', resolve);
    parser.on('error', reject);
    Readable.from([data]).pipe(parser as unknown as NodeJS.WritableStream);
  });
  return out;
}

async function until<T>(probe: () => Promise<T | undefined>, ms = 10_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 100));
  }
}

const V1 = `
actions:
  cat-data:
    type: script
    script: cat data.txt
tasks:
  show:
    flow:
      s: { action: cat-data }
`;

describe('workspace sources', () => {
  let root: string;
  let remote: Remote;
  let server: TestServer;
  let brokenDir: string;
  let first: string;
  let otherDir: string;

  beforeAll(async () => {
    root = mkdtempSync(path.join(tmpdir(), 'stroem-ws-sources-'));
    remote = new Remote(root, 'repo');
    first = remote.push({ '.workflows/main.yaml': V1, 'data.txt': 'version one\n' }, 'v1');
    const lib = path.join(root, 'lib');
    write(lib, {
      '.workflows/lib.yaml': `
actions:
  hello:
    type: script
    source: scripts/hello.sh
tasks:
  greet:
    flow:
      a: { action: hello }
`,
      'scripts/hello.sh': '#!/bin/sh\necho LIB_HELLO\n',
    });
    const other = path.join(root, 'other');
    otherDir = other;
    write(other, {
      '.workflows/o.yaml': `
secrets:
  word: owner-secret
actions:
  remote:
    type: script
    script: 'cat marker.txt; echo {{ secret.word }}'
`,
      'marker.txt': 'CROSS_WS_OK\n',
    });
    brokenDir = path.join(root, 'later');
    const main = path.join(root, 'default');
    write(main, {
      '.workflows/w.yaml': `
actions:
  local: { type: script, script: "true" }
tasks:
  xref:
    flow:
      x: { action: other.remote }
  dangling:
    flow:
      x: { action: nowhere.remote }
`,
    });
    server = await startTestServer(
      {},
      {
        worker_token: TOKEN,
        workspace_cache_dir: path.join(root, 'cache'),
        libraries: { lib: { type: 'folder', path: lib, poll_interval_secs: 3600 } },
        workspaces: {
          default: { type: 'folder', path: main, poll_interval_secs: 3600 },
          gitws: { type: 'git', url: `file://${remote.bare}`, ref: 'main', poll_interval_secs: 1 },
          other: { type: 'folder', path: other, poll_interval_secs: 3600 },
          later: { type: 'folder', path: brokenDir, poll_interval_secs: 1 },
          badurl: {
            type: 'git',
            url: `file://${path.join(root, 'missing.git')}`,
            ref: 'main',
            poll_interval_secs: 3600,
          },
          badref: {
            type: 'git',
            url: `file://${remote.bare}`,
            ref: 'nope',
            poll_interval_secs: 3600,
          },
        },
      },
    );
  }, 60_000);

  afterAll(async () => {
    await server.close();
    rmSync(root, { recursive: true, force: true });
  });

  const api = () => request(server.http);
  const tarball = (ws: string, revision?: string) =>
    api()
      .get(`/worker/workspace/${ws}.tar.gz${revision ? `?revision=${revision}` : ''}`)
      .set(auth)
      .buffer(true)
      .parse((res, cb) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => cb(null, Buffer.concat(chunks)));
      });

  async function workspace(name: string) {
    const res = await api().get('/api/workspaces').expect(200);
    return (
      res.body as { name: string; revision: string | null; error?: string; warnings?: string[] }[]
    ).find((w) => w.name === name);
  }

  async function claim() {
    const worker = (
      await api()
        .post('/worker/register')
        .set(auth)
        .send({ name: 'w', capabilities: ['script'] })
    ).body.worker_id as string;
    return (
      await api()
        .post('/worker/jobs/claim')
        .set(auth)
        .send({ worker_id: worker, capabilities: ['script'], tags: [] })
        .expect(200)
    ).body;
  }

  it('loads a git workspace at the commit SHA of its ref, without .git in the tarball', async () => {
    const ws = await workspace('gitws');
    expect(ws?.error).toBeUndefined();
    expect(ws?.revision).toMatch(new RegExp(`^${first}-[0-9a-f]{10}$`));
    const res = await tarball('gitws').expect(200);
    const files = await entries(res.body as Buffer);
    expect(files.get('data.txt')).toBe('version one\n');
    expect([...files.keys()].some((p) => p === '.git' || p.startsWith('.git/'))).toBe(false);
    expect(files.get('_libraries/lib/scripts/hello.sh')).toContain('LIB_HELLO');
  });

  it('pins a job to its revision while a pushed commit becomes the workspace revision', async () => {
    const before = (await workspace('gitws'))?.revision as string;
    const job = (await api().post('/api/workspaces/gitws/tasks/show/execute').send({}).expect(200))
      .body.job_id as string;

    const second = remote.push(
      {
        'data.txt': 'version two\n',
        '.workflows/more.yaml': 'tasks:\n  added:\n    flow:\n      s: { action: cat-data }\n',
      },
      'v2',
    );
    await until(async () => {
      const res = await api().get('/api/workspaces/gitws/tasks').expect(200);
      return (res.body as { id: string }[]).some((t) => t.id === 'added') ? true : undefined;
    });
    const after = (await workspace('gitws'))?.revision as string;
    expect(after.startsWith(second)).toBe(true);

    const claimed = await claim();
    expect(claimed.job_id).toBe(job);
    expect(claimed.workspace).toBe('gitws');
    expect(claimed.revision).toBe(before);
    const old = await tarball('gitws', before).expect(200);
    expect(old.headers['x-revision']).toBe(before);
    expect((await entries(old.body as Buffer)).get('data.txt')).toBe('version one\n');
    const now = await tarball('gitws').expect(200);
    expect((await entries(now.body as Buffer)).get('data.txt')).toBe('version two\n');
    await api()
      .get('/worker/workspace/gitws.tar.gz')
      .set(auth)
      .set('If-None-Match', `"${after}"`)
      .expect(304);
    await tarball('gitws', `${'0'.repeat(40)}-abc`).expect(404);
  });

  it('refreshes on demand: 200, then 429 within the cooldown, 404 for an unknown workspace', async () => {
    const res = await api().post('/api/workspaces/other/refresh').expect(200);
    expect(res.body).toEqual({
      workspace: 'other',
      revision: (await workspace('other'))?.revision,
      refreshed: true,
    });
    const again = await api().post('/api/workspaces/other/refresh').expect(429);
    expect(Number(again.headers['retry-after'])).toBeGreaterThan(0);
    await api().post('/api/workspaces/nope/refresh').expect(404);
  });

  it('shows load errors per workspace and recovers on a later poll', async () => {
    expect((await workspace('badurl'))?.error).toMatch(/badurl.*repository not reachable/);
    expect((await workspace('badref'))?.error).toMatch(/ref 'nope' not found/);
    expect((await workspace('later'))?.error).toMatch(/cannot read/);
    expect((await workspace('other'))?.error).toBeUndefined();
    // Validation problems are errors too, but the workspace still serves.
    expect((await workspace('default'))?.error).toMatch(/unknown action 'nowhere.remote'/);
    const failed = await api().post('/api/workspaces/badurl/refresh').expect(500);
    expect(failed.body.error).toMatch(/repository not reachable/);

    write(brokenDir, {
      '.workflows/x.yaml': 'tasks:\n  t:\n    flow:\n      s: { action: lib.hello }\n',
    });
    const ws = await until(async () => {
      const w = await workspace('later');
      return w?.revision && !w.error ? w : undefined;
    });
    expect(ws.revision).toBeTruthy();
  });

  it('merges libraries with prefixed names, rewritten references and _libraries/ sources', async () => {
    const task = (await api().get('/api/workspaces/default/tasks/lib.greet').expect(200)).body;
    expect(task.flow.a.action).toBe('lib.hello');
    const job = (
      await api().post('/api/workspaces/default/tasks/lib.greet/execute').send({}).expect(200)
    ).body.job_id as string;
    const claimed = await claim();
    expect(claimed.job_id).toBe(job);
    expect(claimed.action_spec.source).toBe('_libraries/lib/scripts/hello.sh');
    const files = await entries(
      (await tarball('default', claimed.revision).expect(200)).body as Buffer,
    );
    expect(files.get('_libraries/lib/scripts/hello.sh')).toContain('LIB_HELLO');
    await api().post(`/api/jobs/${job}/cancel`).expect(200);
  });

  it('runs a cross-workspace action with the owner workspace, revision and secrets', async () => {
    const ownerRevision = (await workspace('other'))?.revision;
    const job = (
      await api().post('/api/workspaces/default/tasks/xref/execute').send({}).expect(200)
    ).body.job_id as string;
    const claimed = await claim();
    expect(claimed.job_id).toBe(job);
    expect(claimed.workspace).toBe('other');
    expect(claimed.revision).toBe(ownerRevision);
    expect(claimed.action_spec.script).toContain('owner-secret');
    const row = (await server.app.get(JobRepository).findWithSteps(job))?.steps[0];
    expect(row).toMatchObject({ actionWorkspace: 'other', actionRevision: ownerRevision });
    const files = await entries(
      (await tarball('other', claimed.revision).expect(200)).body as Buffer,
    );
    expect(files.get('marker.txt')).toBe('CROSS_WS_OK\n');

    // Six newer revisions later the pinned one still downloads (the job is unfinished).
    const registry = server.app.get(WorkspaceRegistry);
    const owner = registry.get('other') as FolderWorkspace;
    for (let i = 0; i < 6; i++) {
      write(otherDir, { [`extra-${i}.txt`]: `${i}` });
      await registry.refresh(owner);
    }
    expect(owner.current?.revision).not.toBe(claimed.revision);
    await tarball('other', claimed.revision).expect(200);

    const res = await api()
      .post('/api/workspaces/default/tasks/dangling/execute')
      .send({})
      .expect(400);
    expect(res.body.error).toMatch(/nowhere\.remote/);
    await api().post(`/api/jobs/${job}/cancel`).expect(200);
  });
});
