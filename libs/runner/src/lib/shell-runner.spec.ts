import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LogLine, RunRequest } from './runner';
import { ShellRunner } from './shell-runner';

const step = { jobId: 'job-1', taskName: 'demo', stepName: 'greet', workspace: 'default' };

/** True when the pid no longer runs (gone, or a zombie nobody reaped yet). */
function processGone(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return true;
  }
}

async function waitFor<T>(probe: () => T | undefined, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('ShellRunner', () => {
  let workspace: string;
  const runner = new ShellRunner({ killGraceMs: 500 });
  const run = (partial: Partial<RunRequest> & Pick<RunRequest, 'action'>) =>
    runner.run({ workspaceDir: workspace, step, ...partial });

  beforeEach(() => {
    workspace = mkdtempSync(join(tmpdir(), 'stroem-runner-'));
  });
  afterEach(() => rmSync(workspace, { recursive: true, force: true }));

  it('takes the last valid OUTPUT line as the step output', async () => {
    const result = await run({
      action: {
        script:
          'echo "OUTPUT: {\\"n\\": 1}"; echo "OUTPUT: {\\"n\\": 2}"; echo "OUTPUT: {bad"; echo done',
      },
    });
    expect(result).toMatchObject({ exitCode: 0, output: { n: 2 } });
    expect(result.error).toBeUndefined();
  });

  it('reports a non-zero exit with upstream error text and the whole stderr', async () => {
    const result = await run({ action: { script: 'echo first >&2; echo second >&2; exit 3' } });
    expect(result.exitCode).toBe(3);
    expect(result.stderr).toBe('first\nsecond\n');
    expect(result.error).toBe('Exit code: 3\nStderr: first\nsecond\n');
  });

  it('runs inline shell as sh -c with the args as positional parameters', async () => {
    const result = await run({
      action: {
        script: 'echo "OUTPUT: {\\"a\\": \\"$1\\", \\"b\\": \\"$2\\", \\"zero\\": \\"$0\\"}"',
        args: ['x y', 'z'],
      },
    });
    expect(result.output).toEqual({ a: 'x y', b: 'z', zero: 'sh' });
  });

  it('streams stdout and stderr lines live, tagged by stream', async () => {
    const lines: LogLine[] = [];
    await run({
      action: { script: 'echo out1; echo err1 >&2; printf "no newline"' },
      onLog: (l) => lines.push(l),
    });
    expect(lines.map((l) => [l.stream, l.text])).toEqual(
      expect.arrayContaining([
        ['stdout', 'out1'],
        ['stderr', 'err1'],
        ['stdout', 'no newline'],
      ]),
    );
  });

  it('sets the STROEM_* variables and action env, inherits PATH, and runs in the workspace', async () => {
    const result = await run({
      action: {
        script:
          'printf "OUTPUT: {\\"job\\":\\"%s\\",\\"task\\":\\"%s\\",\\"step\\":\\"%s\\",\\"ws\\":\\"%s\\",\\"greeting\\":\\"%s\\",\\"cwd\\":\\"%s\\",\\"path\\":%s}\\n" "$STROEM_JOB_ID" "$STROEM_TASK_NAME" "$STROEM_STEP_NAME" "$STROEM_WORKSPACE" "$GREETING" "$(pwd)" "$([ -n "$PATH" ] && echo true || echo false)"',
        env: { GREETING: 'hej' },
      },
    });
    expect(result.output).toEqual({
      job: 'job-1',
      task: 'demo',
      step: 'greet',
      ws: 'default',
      greeting: 'hej',
      cwd: workspace,
      path: true,
    });
  });

  it('executes a source file relative to the workspace root directly, with args', async () => {
    writeFileSync(
      join(workspace, 'deploy.sh'),
      '#!/bin/sh\necho "OUTPUT: {\\"env\\": \\"$1\\"}"\n',
    );
    chmodSync(join(workspace, 'deploy.sh'), 0o755);
    const result = await run({ action: { source: 'deploy.sh', args: ['staging'] } });
    expect(result).toMatchObject({ exitCode: 0, output: { env: 'staging' } });
  });

  it('refuses a source file that is not executable with a clear error', async () => {
    writeFileSync(join(workspace, 'deploy.sh'), 'echo hi\n');
    const result = await run({ action: { source: 'deploy.sh' } });
    expect(result.exitCode).toBe(-1);
    expect(result.error).toMatch(/script source 'deploy.sh' is not executable/);
  });

  it('reports a missing source file', async () => {
    const result = await run({ action: { source: 'nope.sh' } });
    expect(result.error).toMatch(/script source 'nope.sh' not found/);
  });

  it('runs inline python from a temporary file in the workspace and removes it', async () => {
    const result = await run({
      action: {
        language: 'python',
        script:
          'import json, os, sys\nprint("OUTPUT: " + json.dumps({"args": sys.argv[1:], "cwd": os.getcwd()}))\n',
        args: ['one'],
      },
    });
    expect(result).toMatchObject({ exitCode: 0, output: { args: ['one'], cwd: workspace } });
    expect(readdirSync(workspace)).toEqual([]);
  });

  it('reports a python traceback through the exit-code error', async () => {
    const result = await run({
      action: { language: 'python', script: 'raise RuntimeError("boom")\n' },
    });
    expect(result.exitCode).toBe(1);
    expect(result.error).toMatch(/^Exit code: 1\nStderr: Traceback/);
    expect(result.error).toMatch(/RuntimeError: boom/);
    expect(readdirSync(workspace)).toEqual([]);
  });

  it('runs inline javascript with node when bun is absent', async () => {
    const result = await run({
      action: {
        language: 'javascript',
        script: 'console.log("OUTPUT: " + JSON.stringify({ sum: 1 + 2 }))',
      },
    });
    expect(result).toMatchObject({ exitCode: 0, output: { sum: 3 } });
  });

  it('rejects an unknown language', async () => {
    const result = await run({ action: { language: 'cobol', script: 'x' } });
    expect(result.error).toBe("unsupported script language 'cobol'");
  });

  it('kills the whole process group, grandchildren included, on cancel', async () => {
    const pidFile = join(workspace, 'grandchild.pid');
    const controller = new AbortController();
    const started = run({
      // the grandchild ignores SIGTERM, so only the SIGKILL after the grace period stops it
      action: {
        script: `sh -c 'trap "" TERM; echo $$ > ${pidFile}; while true; do sleep 1; done' & wait`,
      },
      signal: controller.signal,
    });
    const grandchild = await waitFor(() => {
      try {
        const text = readFileSync(pidFile, 'utf8').trim();
        return text ? Number(text) : undefined;
      } catch {
        return undefined;
      }
    });
    expect(processGone(grandchild)).toBe(false);
    controller.abort();
    const result = await started;
    expect(result).toMatchObject({ exitCode: -1, error: 'Job cancelled' });
    await waitFor(() => (processGone(grandchild) ? true : undefined), 3000);
  });

  it('times out, kills the group and says so', async () => {
    const lines: string[] = [];
    const result = await run({
      action: { script: 'echo started; sleep 30' },
      timeoutSeconds: 0.3,
      onLog: (l) => lines.push(l.text),
    });
    expect(result).toMatchObject({ exitCode: -1, error: 'Step timed out after 0.3s' });
    expect(lines).toContain('started');
  });

  it('returns cancelled without starting when the signal is already aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    const result = await run({ action: { script: 'echo hi' }, signal: controller.signal });
    expect(result.error).toBe('Job cancelled');
  });
});
