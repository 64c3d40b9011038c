/**
 * `stroem logs <job> [--follow] [--step]` against a real server process with auth on: the stored
 * log, the live stream (lines posted through the worker API while it runs) and the exit code
 * that follows the job's outcome.
 */
import { collect, startCli, stroem } from './cli-harness';
import { ServerProcess, TEST_WORKER_TOKEN } from './server-process';

jest.setTimeout(90_000);

let server: ServerProcess;
let token: string;

beforeAll(async () => {
  server = await ServerProcess.serving(`
actions:
  ok: { type: script, script: "true" }
tasks:
  build:
    flow:
      compile: { action: ok }
      test: { action: ok }
`);
  token = await server.loginAsAdmin();
}, 180_000);

afterAll(async () => {
  await server?.stop();
});

async function call(path: string, body: unknown, bearer = token): Promise<Response> {
  const res = await fetch(`${server.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${bearer}` },
    body: JSON.stringify(body),
  });
  if (res.status >= 300) throw new Error(`${path}: HTTP ${res.status} ${await res.text()}`);
  return res;
}

async function execute(): Promise<string> {
  const res = await call('/api/workspaces/default/tasks/build/execute', { input: {} });
  return ((await res.json()) as { job_id: string }).job_id;
}

async function log(jobId: string, step: string, lines: string[], stream = 'stdout') {
  await call(
    `/worker/jobs/${jobId}/logs`,
    { step_name: step, lines: lines.map((line) => ({ stream, line })) },
    TEST_WORKER_TOKEN,
  );
}

async function complete(jobId: string, step: string, exitCode = 0) {
  await call(
    `/worker/jobs/${jobId}/steps/${step}/complete`,
    exitCode === 0 ? { exit_code: 0 } : { exit_code: exitCode, error: 'boom' },
    TEST_WORKER_TOKEN,
  );
}

/** The CLI's stdout once it has printed `text`. */
function waitFor(child: ReturnType<typeof startCli>, text: string): Promise<void> {
  return new Promise((resolve) => {
    let seen = '';
    child.stdout?.on('data', (d: Buffer) => {
      seen += d.toString();
      if (seen.includes(text)) resolve();
    });
  });
}

describe('stroem logs', () => {
  it('prints the stored log as `<step> | <line>`, stderr marked, and --step keeps one step', async () => {
    const jobId = await execute();
    await log(jobId, 'compile', ['compiling', 'done']);
    await log(jobId, 'test', ['1 failing'], 'stderr');
    const all = await stroem(['logs', jobId, '--server', server.url, '--token', token]);
    expect(all.stderr).toBe('');
    expect(all.code).toBe(0);
    expect(all.stdout).toBe('compile | compiling\ncompile | done\ntest ! 1 failing\n');
    const one = await stroem([
      'logs',
      jobId,
      '--step',
      'test',
      '--server',
      server.url,
      '--token',
      token,
    ]);
    expect(one.stdout).toBe('test ! 1 failing\n');
  });

  it('--follow prints backfill and live lines, then exits 0 when the job completes', async () => {
    const jobId = await execute();
    await log(jobId, 'compile', ['early']);
    const child = startCli(['logs', jobId, '--follow', '--server', server.url, '--token', token]);
    const result = collect(child);
    await waitFor(child, 'compile | early');
    await log(jobId, 'compile', ['late']);
    await complete(jobId, 'compile');
    await log(jobId, 'test', ['ok']);
    await complete(jobId, 'test');
    const { code, stdout } = await result;
    expect(stdout).toContain('compile | early\ncompile | late\n');
    expect(stdout).toContain('test | ok\n');
    expect(stdout).toContain('_server ! Job completed');
    expect(code).toBe(0);
  });

  it('--follow exits 1 when the job fails and 130 when it is cancelled', async () => {
    const failing = await execute();
    const failed = startCli([
      'logs',
      failing,
      '-f',
      '--step',
      'compile',
      '--server',
      server.url,
      '--token',
      token,
    ]);
    const failedResult = collect(failed);
    await new Promise((r) => setTimeout(r, 1000));
    await complete(failing, 'compile', 2);
    await complete(failing, 'test');
    const f = await failedResult;
    expect(f.code).toBe(1);
    expect(f.stderr).toContain(`job ${failing} failed`);

    const cancelling = await execute();
    const cancelled = startCli([
      'logs',
      cancelling,
      '-f',
      '--server',
      server.url,
      '--token',
      token,
    ]);
    const cancelledResult = collect(cancelled);
    await new Promise((r) => setTimeout(r, 1000));
    await call(`/api/jobs/${cancelling}/cancel`, {});
    expect((await cancelledResult).code).toBe(130);
  });

  it('exits 1 with the server message for a missing job or a rejected token', async () => {
    const missing = await stroem([
      'logs',
      '00000000-0000-4000-8000-000000000000',
      '-f',
      '--server',
      server.url,
      '--token',
      token,
    ]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('Job not found (HTTP 404');
    const jobId = await execute();
    const rejected = await stroem(['logs', jobId, '-f', '--server', server.url, '--token', 'nope']);
    expect(rejected.code).toBe(1);
    expect(rejected.stderr).toContain('the token given with --token was rejected');
  });
});
