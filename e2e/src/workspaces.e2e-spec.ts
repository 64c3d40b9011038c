/**
 * Workspace sources with the real server and worker: a cross-workspace action (§4.1 item 14),
 * a git workspace polled every second (pushes show up, jobs stay pinned to their revision, the
 * worker downloads a revision once), a folder library and the refresh endpoint.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { poll } from './harness/api';
import { fixtureWorkspace, scratchFolder, useStack } from './harness/stack';

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, {
    cwd,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: 'e2e',
      GIT_AUTHOR_EMAIL: 'e2e@stroem.local',
      GIT_COMMITTER_NAME: 'e2e',
      GIT_COMMITTER_EMAIL: 'e2e@stroem.local',
    },
  }).trim();
}

function write(root: string, files: Record<string, string>): void {
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, rel)), { recursive: true });
    writeFileSync(join(root, rel), text, { mode: 0o755 });
  }
}

const root = scratchFolder('stroem-e2e-git-');
const bare = join(root, 'repo.git');
const clone = join(root, 'clone');
git(root, 'init', '--bare', '--quiet', '-b', 'main', bare);
git(root, 'init', '--quiet', '-b', 'main', clone);

function push(files: Record<string, string>): string {
  write(clone, files);
  git(clone, 'add', '-A');
  git(clone, 'commit', '--quiet', '-m', 'change');
  git(clone, 'push', '--quiet', bare, 'main');
  return git(clone, 'rev-parse', 'HEAD');
}

const ACTIONS = `
actions:
  show:
    type: script
    script: 'cat version.txt; sleep {{ input.pause }}'
    input:
      pause: { type: string, default: "0" }
tasks:
  version:
    input:
      pause: { type: string, default: "0" }
    flow:
      s: { action: show, input: { pause: "{{ input.pause }}" } }
`;
push({ '.workflows/main.yaml': ACTIONS, 'version.txt': 'VERSION_ONE\n' });

const library = join(root, 'lib');
write(library, {
  '.workflows/lib.yaml': `
actions:
  hello: { type: script, source: scripts/hello.sh }
tasks:
  greet:
    flow:
      a: { action: hello }
`,
  'scripts/hello.sh': '#!/bin/sh\necho "LIB_SOURCE_OK from $(basename "$PWD")"\n',
});

const stack = useStack({
  serverConfig: {
    workspace_cache_dir: join(root, 'server-cache'),
    libraries: { lib: { type: 'folder', path: library } },
    workspaces: {
      default: { type: 'folder', path: fixtureWorkspace('xref-default') },
      test: { type: 'folder', path: fixtureWorkspace('xref-test') },
      gitws: { type: 'git', url: `file://${bare}`, ref: 'main', poll_interval_secs: 1 },
    },
  },
});

interface WorkspaceInfo {
  name: string;
  revision: string | null;
  error?: string;
}

async function revisionOf(name: string): Promise<string> {
  const res = await stack().api.get<WorkspaceInfo[]>('/api/workspaces');
  return res.body.find((w) => w.name === name)?.revision ?? '';
}

/** The worker's extracted revision directories of a workspace (one per download). */
function workerRevisions(workspace: string): Map<string, number> {
  const dir = join(stack().dir, 'worker-1-cache', workspace);
  return new Map(
    readdirSync(dir)
      .filter((n) => !n.startsWith('.'))
      .map((n) => [n, statSync(join(dir, n)).ino]),
  );
}

describe('git workspace', () => {
  it('serves the pushed commit within the poll interval; running jobs keep their revision', async () => {
    const first = await revisionOf('gitws');
    expect(first).toMatch(/^[0-9a-f]{40}-[0-9a-f]{10}$/);

    // A slow job on the first revision, then a push while it runs.
    const pinned = await stack().api.execute('gitws', 'version', { pause: '3' });
    await stack().api.waitForJob(pinned, {
      until: (j) => j.steps.some((s) => s.status === 'running'),
      what: 'a running step',
    });
    const sha = push({
      'version.txt': 'VERSION_TWO\n',
      '.workflows/added.yaml': 'tasks:\n  added:\n    flow:\n      s: { action: show }\n',
    });
    await poll(
      () => stack().api.get<{ id: string }[]>('/api/workspaces/gitws/tasks'),
      (res) => res.body.some((t) => t.id === 'added'),
      15_000,
      () => 'the pushed task did not appear',
    );
    const second = await revisionOf('gitws');
    expect(second.startsWith(sha)).toBe(true);

    const old = await stack().api.waitForJob(pinned);
    expect(old.status).toBe('completed');
    expect(old.revision).toBe(first);
    expect(await stack().api.logs(pinned)).toContain('VERSION_ONE');

    const a = await stack().api.execute('gitws', 'added');
    expect((await stack().api.waitForJob(a)).status).toBe('completed');
    expect(await stack().api.logs(a)).toContain('VERSION_TWO');
    const afterFirst = workerRevisions('gitws');
    const b = await stack().api.execute('gitws', 'version');
    expect((await stack().api.waitForJob(b)).status).toBe('completed');
    expect(await stack().api.logs(b)).toContain('VERSION_TWO');
    // Downloaded once: the revision directory was not extracted again (same inode).
    expect(workerRevisions('gitws').get(second)).toBe(afterFirst.get(second));
    expect([...afterFirst.keys()].sort()).toEqual([first, second].sort());
  });
});

describe('§4.1.14 cross-workspace action', () => {
  it('default/xref runs test.remote-cat with the test workspace files', async () => {
    const jobId = await stack().api.execute('default', 'xref');
    const job = await stack().api.waitForJob(jobId);
    expect(job.status).toBe('completed');
    expect(await stack().api.logs(jobId)).toContain('CROSS_WS_OK');
  });
});

describe('libraries', () => {
  it('runs a library action whose source lives under _libraries/<lib>/', async () => {
    const jobId = await stack().api.execute('default', 'lib.greet');
    const job = await stack().api.waitForJob(jobId);
    expect(job.status).toBe('completed');
    expect(await stack().api.logs(jobId)).toContain('LIB_SOURCE_OK');
  });
});

describe('refresh endpoint', () => {
  it('answers 200 then 429 within the cooldown, 404 for an unknown workspace', async () => {
    const ok = await stack().api.post<{ refreshed: boolean; workspace: string }>(
      '/api/workspaces/test/refresh',
      {},
    );
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ workspace: 'test', refreshed: true });
    expect((await stack().api.post('/api/workspaces/test/refresh', {})).status).toBe(429);
    expect((await stack().api.post('/api/workspaces/nope/refresh', {})).status).toBe(404);
  });
});
