/**
 * `stroem state upload` and `stroem artifacts list|download` against a real server process with
 * auth on (the artifact is put there through the worker protocol, as a worker would).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stroem } from './cli-harness';
import { ServerProcess, TEST_WORKER_TOKEN } from './server-process';

jest.setTimeout(90_000);

let server: ServerProcess;
let token: string;

beforeAll(async () => {
  server = await ServerProcess.serving(`
actions:
  ok: { type: script, script: "true" }
tasks:
  nightly:
    flow:
      build: { action: ok }
`);
  token = await server.loginAsAdmin();
}, 180_000);

afterAll(async () => {
  await server?.stop();
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
      const snapshot = await call(
        'GET',
        '/worker/state/default/nightly',
        undefined,
        TEST_WORKER_TOKEN,
      );
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
      TEST_WORKER_TOKEN,
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
