import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';
import { ensureDockerEngine, TEST_IMAGE, type DockerEngine } from '../../testing/docker-engine';
import type { LogLine, RunRequest, RunResult, StepFolderPaths } from '../runner';
import { DockerRunner, type DockerRunnerOptions } from './docker-runner';

jest.setTimeout(60_000);

/** Containers still present (any state) for a job id. */
async function containersOfJob(docker: Docker, jobId: string): Promise<Docker.ContainerInfo[]> {
  return docker.listContainers({ all: true, filters: { label: [`stroem.job_id=${jobId}`] } });
}

async function waitFor(probe: () => boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error('timed out waiting for a condition');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('DockerRunner (real Docker API: podman)', () => {
  let engine: DockerEngine;
  let docker: Docker;
  let workspace: string;
  /** Fresh host step folders for each test, beside the workspace. */
  let folders: StepFolderPaths;
  let foldersRoot: string;
  const workerName = `test-worker-${randomUUID().slice(0, 8)}`;

  const makeRunner = (options: Partial<DockerRunnerOptions> = {}) =>
    new DockerRunner({
      host: engine.host,
      runnerImage: TEST_IMAGE,
      workerName,
      networkMode: 'none',
      killGraceSecs: 1,
      ...options,
    });

  /** Runs a step under a fresh job id and checks that no container of it is left behind. */
  async function run(
    partial: Partial<RunRequest> & Pick<RunRequest, 'action'>,
    runner = makeRunner(),
  ): Promise<RunResult & { jobId: string }> {
    const jobId = randomUUID();
    const result = await runner.run({
      workspaceDir: workspace,
      step: { jobId, taskName: 'demo', stepName: 'greet', workspace: 'default' },
      ...partial,
    });
    expect(await containersOfJob(docker, jobId)).toEqual([]);
    return { ...result, jobId };
  }

  beforeAll(async () => {
    engine = await ensureDockerEngine();
    docker = new Docker({ socketPath: engine.socketPath });
  });

  beforeEach(() => {
    workspace = mkdtempSync(join(tmpdir(), 'stroem-docker-ws-'));
    foldersRoot = mkdtempSync(join(tmpdir(), 'stroem-docker-folders-'));
    folders = {
      stateDir: join(foldersRoot, 'state'),
      stateOutDir: join(foldersRoot, 'state-out'),
      globalStateDir: join(foldersRoot, 'global-state'),
      globalStateOutDir: join(foldersRoot, 'global-state-out'),
      artifactsDir: join(foldersRoot, 'artifacts'),
    };
    for (const dir of Object.values(folders)) mkdirSync(dir);
  });
  afterEach(() => {
    rmSync(workspace, { recursive: true, force: true });
    rmSync(foldersRoot, { recursive: true, force: true });
  });

  it('runs a script in the runner image and takes the last valid OUTPUT line', async () => {
    const started: Array<number | string> = [];
    const result = await run({
      action: {
        script: 'echo "OUTPUT: {\\"n\\": 1}"; echo "OUTPUT: {\\"n\\": 2}"; echo "OUTPUT: {bad"',
      },
      onStart: (id) => started.push(id),
    });
    expect(result).toMatchObject({ exitCode: 0, output: { n: 2 } });
    expect(result.error).toBeUndefined();
    expect(started).toEqual([expect.stringMatching(/^[0-9a-f]{12,}$/)]);
  });

  it('reports a non-zero exit code with the upstream error text and the whole stderr', async () => {
    const result = await run({ action: { script: 'echo first >&2; echo second >&2; exit 3' } });
    expect(result.exitCode).toBe(3);
    expect(result.stderr).toBe('first\nsecond\n');
    expect(result.error).toBe('Exit code: 3\nStderr: first\nsecond\n');
  });

  it('streams stdout and stderr separately, line by line, with the args as $1…', async () => {
    const lines: LogLine[] = [];
    const result = await run({
      action: {
        script: 'echo "out $1"; echo "err $2" >&2; echo out2; printf "no newline"',
        args: ['a b', 'c'],
      },
      onLog: (line) => lines.push(line),
    });
    expect(lines.map((l) => [l.stream, l.text])).toEqual(
      expect.arrayContaining([
        ['stdout', 'out a b'],
        ['stderr', 'err c'],
        ['stdout', 'out2'],
        ['stdout', 'no newline'],
      ]),
    );
    expect(lines.filter((l) => l.stream === 'stdout').map((l) => l.text)).toEqual([
      'out a b',
      'out2',
      'no newline',
    ]);
    expect(result.stderr).toBe('err c\n');
  });

  it('mounts the workspace read-only at /workspace and runs there', async () => {
    writeFileSync(join(workspace, 'hello.txt'), 'from the host\n');
    const log: string[] = [];
    const result = await run({
      action: { script: 'echo "cwd=$(pwd)"; cat hello.txt; touch new.txt' },
      onLog: (l) => log.push(`${l.stream}:${l.text}`),
    });
    expect(log).toEqual(expect.arrayContaining(['stdout:cwd=/workspace', 'stdout:from the host']));
    expect(result.exitCode).not.toBe(0);
    expect(result.stderr).toMatch(/Read-only file system/);
    expect(existsSync(join(workspace, 'new.txt'))).toBe(false);
  });

  it('exports the action env and the STROEM_* variables', async () => {
    const result = await run({
      action: {
        script:
          'printf "OUTPUT: {\\"job\\":\\"%s\\",\\"task\\":\\"%s\\",\\"step\\":\\"%s\\",\\"ws\\":\\"%s\\",\\"greeting\\":\\"%s\\",\\"py\\":\\"%s\\"}\\n" "$STROEM_JOB_ID" "$STROEM_TASK_NAME" "$STROEM_STEP_NAME" "$STROEM_WORKSPACE" "$GREETING" "$PYTHONUNBUFFERED"',
        env: { GREETING: 'hej verden' },
      },
    });
    expect(result.output).toEqual({
      job: result.jobId,
      task: 'demo',
      step: 'greet',
      ws: 'default',
      greeting: 'hej verden',
      py: '1',
    });
  });

  it('binds the state and artifact folders and collects STATE lines', async () => {
    writeFileSync(join(folders.stateDir, 'previous.txt'), 'v1');
    const result = await run({
      folders,
      action: {
        script: [
          'echo "dirs=$STATE_DIR $STATE_OUT_DIR $GLOBAL_STATE_DIR $GLOBAL_STATE_OUT_DIR $ARTIFACTS_DIR"',
          'echo "previous=$(cat "$STATE_DIR/previous.txt")"',
          'echo v2 > "$STATE_OUT_DIR/next.txt"',
          'echo shared > "$GLOBAL_STATE_OUT_DIR/g.txt"',
          'echo report > "$ARTIFACTS_DIR/report.txt"',
          'if touch "$STATE_DIR/x" 2>/dev/null; then echo state-writable; fi',
          'echo "STATE: {\\"round\\": 2}"',
        ].join('\n'),
      },
    });
    expect(result).toMatchObject({ exitCode: 0, state: { round: 2 } });
    expect(readFileSync(join(folders.stateOutDir, 'next.txt'), 'utf8')).toBe('v2\n');
    expect(readFileSync(join(folders.globalStateOutDir, 'g.txt'), 'utf8')).toBe('shared\n');
    expect(readFileSync(join(folders.artifactsDir, 'report.txt'), 'utf8')).toBe('report\n');
    expect(existsSync(join(folders.stateDir, 'x'))).toBe(false);
  });

  it('reports the container paths of the step folders', async () => {
    const lines: string[] = [];
    await run({
      folders,
      action: {
        script:
          'echo "$STATE_DIR $STATE_OUT_DIR $GLOBAL_STATE_DIR $GLOBAL_STATE_OUT_DIR $ARTIFACTS_DIR"',
      },
      onLog: (l) => lines.push(l.text),
    });
    expect(lines).toEqual(['/state /state-out /global-state /global-state-out /artifacts']);
  });

  it('sources the *.sh startup scripts before the step', async () => {
    const startupDir = mkdtempSync(join(tmpdir(), 'stroem-docker-startup-'));
    try {
      writeFileSync(join(startupDir, '10-x.sh'), 'export FROM_STARTUP="set by 10-x.sh"\n');
      writeFileSync(join(startupDir, 'README'), 'exit 9\n');
      const result = await run(
        { action: { script: 'echo "OUTPUT: {\\"v\\": \\"$FROM_STARTUP\\"}"' } },
        makeRunner({ startupDir }),
      );
      expect(result).toMatchObject({ exitCode: 0, output: { v: 'set by 10-x.sh' } });
    } finally {
      rmSync(startupDir, { recursive: true, force: true });
    }
  });

  describe('type: docker', () => {
    it('runs `cmd` through sh -c in the image, without the workspace, with env', async () => {
      writeFileSync(join(workspace, 'hello.txt'), 'x');
      const result = await run({
        action: { env: { WHO: 'docker' } },
        container: {
          image: TEST_IMAGE,
          cmd: 'echo "OUTPUT: {\\"who\\": \\"$WHO\\", \\"job\\": \\"$STROEM_JOB_ID\\", \\"ws\\": \\"$(ls /workspace)\\"}"',
        },
      });
      expect(result).toMatchObject({
        exitCode: 0,
        output: { who: 'docker', job: result.jobId, ws: '' },
      });
    });

    it('prefers `command` over `cmd`', async () => {
      const result = await run({
        action: {},
        container: { image: TEST_IMAGE, command: ['echo', 'OUTPUT: "command"'], cmd: 'exit 4' },
      });
      expect(result).toMatchObject({ exitCode: 0, output: 'command' });
    });

    it('passes `cmd` as arguments to the `entrypoint`', async () => {
      const lines: string[] = [];
      const result = await run({
        action: {},
        container: { image: TEST_IMAGE, entrypoint: ['echo', 'ep'], cmd: 'exit 4' },
        onLog: (l) => lines.push(l.text),
      });
      expect(result.exitCode).toBe(0);
      expect(lines).toEqual(['ep sh -c exit 4']);
    });

    it("runs the image's own command with neither", async () => {
      // busybox's default is /bin/sh, which exits at once on the closed stdin.
      const result = await run({ action: {}, container: { image: TEST_IMAGE } });
      expect(result).toMatchObject({ exitCode: 0, output: null });
    });

    it('binds only /artifacts of the step folders', async () => {
      const result = await run({
        folders,
        action: {},
        container: {
          image: TEST_IMAGE,
          cmd: 'echo built > "$ARTIFACTS_DIR/out.txt"; echo "OUTPUT: \\"[$STATE_DIR]$ARTIFACTS_DIR\\""; [ ! -e /state ]',
        },
      });
      expect(result).toMatchObject({ exitCode: 0, output: '[]/artifacts' });
      expect(readFileSync(join(folders.artifactsDir, 'out.txt'), 'utf8')).toBe('built\n');
    });
  });

  it('stops the container on cancel and reports Job cancelled', async () => {
    const controller = new AbortController();
    const lines: string[] = [];
    const pending = run({
      action: { script: 'echo started; sleep 30' },
      signal: controller.signal,
      onLog: (l) => {
        lines.push(l.text);
      },
    });
    await waitFor(() => lines.includes('started'));
    const abortedAt = Date.now();
    controller.abort();
    const result = await pending;
    expect(Date.now() - abortedAt).toBeLessThan(10_000);
    expect(result).toMatchObject({ exitCode: -1, error: 'Job cancelled' });
  });

  it('reports Job cancelled without creating a container when already aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    const started: Array<number | string> = [];
    const result = await run({
      action: { script: 'echo never' },
      signal: controller.signal,
      onStart: (id) => started.push(id),
    });
    expect(result).toMatchObject({ exitCode: -1, error: 'Job cancelled' });
    expect(started).toEqual([]);
  });

  it('stops the container on timeout', async () => {
    const startedAt = Date.now();
    const result = await run({
      action: { script: 'echo started; sleep 30' },
      timeoutSeconds: 1,
    });
    expect(result).toMatchObject({ exitCode: -1, error: 'Step timed out after 1s' });
    expect(Date.now() - startedAt).toBeLessThan(15_000);
  });

  it('fails clearly when the image is missing and pull_policy is never', async () => {
    const result = await run(
      { action: { script: 'true' } },
      makeRunner({ runnerImage: 'local/does-not-exist:1', pullPolicy: 'never' }),
    );
    expect(result).toMatchObject({
      exitCode: -1,
      error: "Image 'local/does-not-exist:1' not found locally and pull_policy is never",
    });
  });

  it('turns a failed pull into a step error naming the image', async () => {
    const image = 'localhost:1/stroem/missing:1';
    const result = await run({ action: {}, container: { image } });
    expect(result.exitCode).toBe(-1);
    expect(result.error).toMatch(/^Failed to pull image 'localhost:1\/stroem\/missing:1': .+/);
  });

  it('reports a container that cannot start and still removes it', async () => {
    const result = await run({
      action: {},
      container: { image: TEST_IMAGE, command: ['/no/such/program'] },
    });
    expect(result.exitCode).toBe(-1);
    expect(result.error).toMatch(
      /^Container for step 'greet' \(image 'local\/busybox:latest'\) failed to start: .*\/no\/such\/program/,
    );
  });

  it('removes the containers a crashed worker left behind, and only those', async () => {
    const orphanWorker = `${workerName}-orphans`;
    const create = (worker: string) =>
      docker.createContainer({
        Image: TEST_IMAGE,
        Cmd: ['sleep', '30'],
        Labels: { 'stroem.managed': 'true', 'stroem.worker': worker },
        HostConfig: { NetworkMode: 'none' },
      });
    const leftover = await create(orphanWorker);
    await leftover.start();
    const other = await create(`${orphanWorker}-other`);
    try {
      const removed = await makeRunner({ workerName: orphanWorker }).removeOrphans();
      expect(removed).toBe(1);
      const remaining = await docker.listContainers({
        all: true,
        filters: { label: [`stroem.worker=${orphanWorker}`] },
      });
      expect(remaining).toEqual([]);
      expect((await other.inspect()).Id).toBe(other.id);
    } finally {
      await other.remove({ force: true });
    }
  });

  it('answers ping on a live engine and names the host when it is dead', async () => {
    await expect(makeRunner().ping()).resolves.toBeUndefined();
    const dead = `unix://${join(tmpdir(), `no-engine-${randomUUID()}.sock`)}`;
    await expect(makeRunner({ host: dead }).ping()).rejects.toThrow(
      `Docker engine at ${dead} is not reachable`,
    );
  });

  it('never throws from run() when the engine is unreachable', async () => {
    const dead = `unix://${join(tmpdir(), `no-engine-${randomUUID()}.sock`)}`;
    const result = await makeRunner({ host: dead }).run({
      action: { script: 'true' },
      workspaceDir: workspace,
      step: { jobId: randomUUID(), taskName: 'demo', stepName: 'greet', workspace: 'default' },
    });
    expect(result.exitCode).toBe(-1);
    expect(result.error).toMatch(new RegExp(`^Docker engine at ${dead} is not reachable: .+`));
  });
});
