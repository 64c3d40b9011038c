/**
 * One task across runners with real server and worker processes (reference §1.13, §2.5): a
 * shell and a python step on the worker's host, a `type: docker` step and a `runner: docker`
 * script in containers of a real Docker-API engine (podman), outputs passed through templates;
 * and a cancelled container step that leaves no container behind.
 */
import { join } from 'node:path';
import Docker from 'dockerode';
import { ensureDockerEngine, TEST_IMAGE, type DockerEngine } from '@stroem/runner/testing';
import { poll } from './harness/api';
import { REPO_ROOT, useStack } from './harness/stack';

let engine: DockerEngine;
beforeAll(async () => {
  engine = await ensureDockerEngine();
}, 180_000);

const stack = useStack({
  workspaces: { mixed: join(REPO_ROOT, 'e2e/fixtures/mixed-runners') },
  workers: 0,
});

/** A container as a crashed run of the same worker would leave it; the worker's start removes it. */
let orphanId: string;

beforeAll(async () => {
  const docker = new Docker({ socketPath: engine.socketPath, timeout: 10_000 });
  const orphan = await docker.createContainer({
    Image: TEST_IMAGE,
    Cmd: ['sleep', '300'],
    Labels: { 'stroem.managed': 'true', 'stroem.worker': 'e2e-worker-1' },
  });
  await orphan.start();
  orphanId = orphan.id;
  await stack().startWorker({
    capabilities: ['script', 'docker'],
    runner_image: TEST_IMAGE,
    docker: { host: engine.host, network: 'none', pull_policy: 'never' },
  });
}, 60_000);

/** Containers (running or not) the runner labelled with this job id. */
async function containersOfJob(jobId: string): Promise<Docker.ContainerInfo[]> {
  const docker = new Docker({ socketPath: engine.socketPath, timeout: 10_000 });
  return docker.listContainers({ all: true, filters: { label: [`stroem.job_id=${jobId}`] } });
}

describe('a task mixing shell, python and docker steps', () => {
  it('removes at start the containers an earlier run of the same worker left', async () => {
    const docker = new Docker({ socketPath: engine.socketPath, timeout: 10_000 });
    await expect(docker.getContainer(orphanId).inspect()).rejects.toMatchObject({
      statusCode: 404,
    });
    expect(stack().workers[0].logs).toContain('removed 1 leftover container(s)');
  });

  it('runs each step on its runner and carries outputs from all of them to the end', async () => {
    const { api, dir } = stack();
    const job = await api.waitForJob(await api.execute('mixed', 'mixed', { word: 'hello' }), {
      timeoutMs: 90_000,
    });
    expect(job.status).toBe('completed');
    const output = (name: string) => job.steps.find((s) => s.step_name === name)?.output;

    // Host steps: a process of the worker's host, in the worker's workspace cache.
    const cache = join(dir, 'worker-1-cache');
    const count = output('count') as { word: string; count: number; pid: number; cwd: string };
    expect(count).toMatchObject({ word: 'hello', count: 3 });
    expect(count.pid).toBeGreaterThan(1);
    expect(count.cwd.startsWith(cache)).toBe(true);
    const double = output('double') as { doubled: number; python: number; cwd: string };
    expect(double).toMatchObject({ doubled: 6, python: 3 });
    expect(double.cwd.startsWith(cache)).toBe(true);

    // `type: docker`: its own PID namespace (the shell is PID 1), no workspace mounted, and
    // its templated cmd saw the earlier steps' outputs.
    expect(output('shout')).toEqual({ shout: 'HELLOx6', pid: 1, workspace: 'none' });
    // `runner: docker`: the workspace at /workspace, read-only.
    expect(output('read')).toEqual({
      message: 'from the workspace',
      read_only: true,
      cwd: '/workspace',
      shout: 'HELLOx6',
    });

    expect(job.output).toEqual({
      combine: { summary: 'hello|6|HELLOx6|from the workspace' },
    });
    expect(await api.stepLogs(job.job_id, 'shout')).toContain('container step as pid 1');
    expect(await containersOfJob(job.job_id)).toEqual([]);
  });

  it('cancelling a running docker step ends the job cancelled and removes its container', async () => {
    const { api } = stack();
    const jobId = await api.execute('mixed', 'sleepy');
    await poll(
      () => api.stepLogs(jobId, 'wait'),
      (logs) => logs.includes('CONTAINER_STARTED'),
      60_000,
      () => 'the container step did not start',
    );
    const running = await containersOfJob(jobId);
    expect(running).toHaveLength(1);
    expect(running[0].State).toBe('running');
    expect(running[0].Labels['stroem.step']).toBe('wait');

    const res = await api.post(`/api/jobs/${jobId}/cancel`);
    expect(res.status).toBe(200);
    const job = await api.waitForJob(jobId, {
      until: (j) => j.status === 'cancelled' && j.steps[0]?.status === 'cancelled',
      timeoutMs: 30_000,
      what: 'cancelled with its step cancelled',
    });
    expect(job.steps[0]).toMatchObject({ status: 'cancelled', error_message: 'Job cancelled' });
    await poll(
      () => containersOfJob(jobId),
      (left) => left.length === 0,
      20_000,
      (left) => `containers of job ${jobId} still there: ${JSON.stringify(left)}`,
    );
  });
});
