import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DockerRunner, ShellRunner } from '@stroem/runner';
import pino from 'pino';
import { loadWorkerConfig } from '../config/worker-config';
import { stepRunPlanOf } from './claimed-action';
import { buildRunners, prepareRunners, runnerFor, RunnerSetupError } from './step-runners';

const config = (env: Record<string, string>) =>
  loadWorkerConfig({ env: { STROEM__SERVER_URL: 'http://s', STROEM__WORKER_NAME: 'w1', ...env } });

describe("a worker's runners", () => {
  let dir: string;
  beforeEach(async () => (dir = await mkdtemp(join(tmpdir(), 'stroem-runners-'))));
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('has one runner per runner capability, and picks the one a step needs', () => {
    const runners = buildRunners(
      config({
        STROEM__CAPABILITIES: 'script,docker',
        STROEM__DOCKER__HOST: `unix://${join(dir, 'docker.sock')}`,
      }),
    );
    expect(runners.script).toBeInstanceOf(ShellRunner);
    expect(runners.docker).toBeInstanceOf(DockerRunner);
    expect(runners.kubernetes).toBeUndefined();
    const docker = stepRunPlanOf({
      workspace: 'default',
      job_id: 'j',
      task_name: 't',
      step_name: 's',
      action_name: 'a',
      action_type: 'script',
      action_image: null,
      action_spec: { type: 'script', script: 'true' },
      input: {},
      runner: 'docker',
    });
    expect(runnerFor(docker, runners, 'w1')).toBe(runners.docker);
    expect(() => runnerFor(docker, { script: runners.script }, 'w1')).toThrow(
      "This script (runner: docker) step needs the 'docker' capability, which worker 'w1' does not have: add 'docker' to capabilities and its 'docker:' section in the worker config",
    );
  });

  it('refuses the kubernetes capability without a kubeconfig it can load', () => {
    const missing = join(dir, 'no-such-kubeconfig');
    const attempt = () =>
      buildRunners(
        config({ STROEM__CAPABILITIES: 'kubernetes', STROEM__KUBERNETES__KUBECONFIG: missing }),
      );
    expect(attempt).toThrow(RunnerSetupError);
    expect(attempt).toThrow(`cannot load kubeconfig ${missing}`);
  });

  it('logs a loud error, and goes on, when the Docker engine does not answer', async () => {
    const lines: { level: number; msg: string }[] = [];
    const log = pino(
      { level: 'info' },
      { write: (line: string) => lines.push(JSON.parse(line) as { level: number; msg: string }) },
    );
    const socket = join(dir, 'docker.sock');
    const runners = buildRunners(
      config({ STROEM__CAPABILITIES: 'script,docker', STROEM__DOCKER__HOST: `unix://${socket}` }),
    );
    await prepareRunners(runners, log);
    expect(lines).toHaveLength(1);
    expect(lines[0].level).toBe(50);
    expect(lines[0].msg).toContain(
      'the Docker engine does not answer, so docker steps will fail until it does',
    );
    expect(lines[0].msg).toContain(socket);
  });
});
