/**
 * `stroem state upload` and `stroem artifacts list|download` against a real server process with
 * auth on (the artifact is put there through the worker protocol, as a worker would).
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stroem } from './cli-harness';
import { ServerProcess, TEST_AUTH } from './server-process';

jest.setTimeout(90_000);

const WORKER_TOKEN = 'w'.repeat(40);
let server: ServerProcess;
let workspace: string;
let token: string;

beforeAll(async () => {
  workspace = mkdtempSync(join(tmpdir(), 'stroem-cli-state-'));
  mkdirSync(join(workspace, '.workflows'));
  writeFileSync(
    join(workspace, '.workflows', 'w.yaml'),
    `
actions:
  ok: { type: script, script: "true" }
tasks:
  nightly:
    flow:
      build: { action: ok }
`,
  );
  server = await ServerProcess.start({
    auth: TEST_AUTH,
    worker_token: WORKER_TOKEN,
    workspaces: { default: { type: 'folder', path: workspace, poll_interval_secs: 3600 } },
  });
  token = await server.loginAsAdmin();
}, 180_000);

afterAll(async () => {
  await server?.stop();
  if (workspace) rmSync(workspace, { recursive: true, force: true });
});

const remote = () => ['--server', server.url, '--token', token];

async function call(method: string, path: string, body?: string | Buffer, bearer = token) {
  const res = await fetch(`${server.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${bearer}`,
      'content-type': typeof body === 'string' ? 'application/json' : 'text/plain',
    },
    body,
  });
  if (res.status >= 300) throw new Error(`${path}: HTTP ${res.status} ${await res.text()}`);
  return res;
}

describe('stroem state upload', () => {
  it('uploads files and --state values as the task’s newest snapshot', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'stroem-cli-state-files-'));
    try {
      writeFileSync(join(dir, 'hello.txt'), 'hello from state');
      const result = await stroem(
        [
          'state',
          'upload',
          ...remote(),
          '-w',
          'default',
          '-t',
          'nightly',
          '--state',
          'greeting=hi',
          'hello.txt',
        ],
        dir,
      );
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      expect(result.stdout).toMatch(/^Snapshot [0-9a-f-]{36} stored \(job [0-9a-f-]{36}\)\n$/);
      const snapshot = await call('GET', '/worker/state/default/nightly', undefined, WORKER_TOKEN);
      expect(snapshot.status).toBe(200);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a call without --task or --global', async () => {
    const result = await stroem(['state', 'upload', ...remote(), '-w', 'default']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('give either --task <task> or --global');
  });
});

describe('stroem artifacts', () => {
  it('lists a job’s artifacts and downloads one', async () => {
    const exec = await call(
      'POST',
      '/api/workspaces/default/tasks/nightly/execute',
      JSON.stringify({}),
    );
    const jobId = ((await exec.json()) as { job_id: string }).job_id;
    await call(
      'POST',
      `/worker/jobs/${jobId}/steps/build/artifacts/reports/summary.txt`,
      Buffer.from('all green\n'),
      WORKER_TOKEN,
    );

    const list = await stroem(['artifacts', 'list', ...remote(), jobId]);
    expect(list.code).toBe(0);
    expect(list.stdout).toContain('reports/summary.txt');
    expect(list.stdout).toContain('text/plain');

    const dir = mkdtempSync(join(tmpdir(), 'stroem-cli-artifact-'));
    try {
      const out = join(dir, 'out.txt');
      const download = await stroem([
        'artifacts',
        'download',
        ...remote(),
        jobId,
        'reports/summary.txt',
        '-o',
        out,
      ]);
      expect(download.code).toBe(0);
      expect(readFileSync(out, 'utf8')).toBe('all green\n');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
