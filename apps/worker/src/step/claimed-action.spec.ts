import type { JsonValue } from '@stroem/workflow';
import type { ClaimedStep } from '../server-api/worker-protocol';
import { stepRunPlanOf, UnsupportedStepError } from './claimed-action';

const claim = (
  actionType: string | null,
  spec: Record<string, JsonValue>,
  extra: Partial<ClaimedStep> = {},
): ClaimedStep => ({
  workspace: 'default',
  job_id: 'job-1',
  task_name: 'task',
  step_name: 'step',
  action_name: 'action',
  action_type: actionType,
  action_image: null,
  action_spec: spec,
  input: {},
  runner: null,
  ...extra,
});

const errorOf = (fn: () => unknown): string => {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(UnsupportedStepError);
    return (err as Error).message;
  }
  throw new Error('expected an UnsupportedStepError');
};

describe('the runner a claimed step goes to, and what it is asked to run', () => {
  it('runs a script on the local shell by default, with its rendered fields', () => {
    const plan = stepRunPlanOf(
      claim('script', {
        type: 'script',
        script: 'echo "$1"',
        language: 'python',
        interpreter: 'python3',
        dependencies: ['requests==2.0'],
        args: ['a', 2, true],
        env: { A: 'x', N: 3 },
      }),
    );
    expect(plan.capability).toBe('script');
    expect(plan.request).toEqual({
      action: {
        script: 'echo "$1"',
        language: 'python',
        interpreter: 'python3',
        dependencies: ['requests==2.0'],
        args: ['a', '2', 'true'],
        env: { A: 'x', N: '3' },
      },
    });
  });

  it('sends `runner: docker` scripts to the docker runner and `runner: pod` ones, with their manifest, to kubernetes', () => {
    const docker = stepRunPlanOf(
      claim('script', { type: 'script', source: 'run.sh' }, { runner: 'docker' }),
    );
    expect(docker.capability).toBe('docker');
    expect(docker.kind).toBe('script (runner: docker)');
    expect(docker.request.action.source).toBe('run.sh');
    expect(docker.request.container).toBeUndefined();

    const manifest = { spec: { nodeSelector: { pool: 'big' } } };
    const pod = stepRunPlanOf(
      claim('script', { type: 'script', runner: 'pod', script: 'true', manifest }),
    );
    expect(pod.capability).toBe('kubernetes');
    expect(pod.request.manifest).toEqual(manifest);
  });

  it('runs `type: docker` as its image with entrypoint, command, cmd and env from the spec', () => {
    const plan = stepRunPlanOf(
      claim(
        'docker',
        {
          type: 'docker',
          image: 'not-this-one',
          entrypoint: ['/bin/sh', '-c'],
          command: ['echo', 'hi'],
          cmd: 'echo rendered',
          env: { GREETING: 'hello' },
        },
        { action_image: 'local/busybox:latest', runner: 'none' },
      ),
    );
    expect(plan).toEqual({
      capability: 'docker',
      kind: 'docker',
      request: {
        action: { env: { GREETING: 'hello' } },
        container: {
          image: 'local/busybox:latest',
          entrypoint: ['/bin/sh', '-c'],
          command: ['echo', 'hi'],
          cmd: 'echo rendered',
        },
      },
    });
  });

  it('runs `type: pod` as its image on kubernetes, with its manifest', () => {
    const plan = stepRunPlanOf(
      claim(
        'pod',
        { type: 'pod', cmd: 'date', manifest: { metadata: { labels: { team: 'a' } } } },
        { action_image: 'alpine:3' },
      ),
    );
    expect(plan.capability).toBe('kubernetes');
    expect(plan.request).toEqual({
      action: { env: undefined },
      container: { image: 'alpine:3', cmd: 'date' },
      manifest: { metadata: { labels: { team: 'a' } } },
    });
  });

  it('takes the image from the spec when the claim has no action_image', () => {
    const plan = stepRunPlanOf(claim('docker', { type: 'docker', image: 'busybox' }));
    expect(plan.request.container).toEqual({ image: 'busybox' });
  });

  it.each<[string, string | null, Record<string, JsonValue>, Partial<ClaimedStep>, string]>([
    [
      'a container action without an image',
      'docker',
      { type: 'docker', cmd: 'true' },
      {},
      "Invalid action_spec: a 'docker' action needs an image",
    ],
    [
      'a command that is not a list',
      'docker',
      { type: 'docker', command: 'echo hi' },
      { action_image: 'busybox' },
      "Invalid action_spec: 'command' must be a list of strings",
    ],
    [
      'a manifest that is not a mapping',
      'pod',
      { type: 'pod', manifest: ['x'] },
      { action_image: 'busybox' },
      "Invalid action_spec: 'manifest' must be a mapping",
    ],
    [
      'an env value that is an object',
      'script',
      { type: 'script', script: 'true', env: { A: { b: 1 } } },
      {},
      "Invalid action_spec: env 'A' must be a string",
    ],
    [
      'an unknown runner',
      'script',
      { type: 'script', script: 'true' },
      { runner: 'lambda' },
      "Unsupported runner 'lambda' for a script action (expected local, docker or pod)",
    ],
    [
      'an action type workers do not run',
      'agent',
      { type: 'agent', prompt: 'hi' },
      {},
      "Unsupported action type 'agent' for a worker (it runs script, docker and pod actions)",
    ],
  ])('refuses %s', (_what, type, spec, extra, message) => {
    expect(errorOf(() => stepRunPlanOf(claim(type, spec, extra)))).toBe(message);
  });
});
