import { expectGolden, OPTIONS, request } from './__golden__/golden';
import { buildPodSpec, podName } from './pod-spec';

describe('buildPodSpec', () => {
  it('runs a type: pod image with its entrypoint as command and `command` as args', () => {
    const pod = buildPodSpec(
      request({
        container: {
          image: 'alpine:3.20',
          entrypoint: ['/bin/sh', '-c'],
          command: ['echo "from command"'],
          cmd: 'echo ignored',
        },
      }),
      { ...OPTIONS, imagePullPolicy: 'IfNotPresent' },
    );
    expectGolden('pod-entrypoint-command.json', pod);
  });

  it('runs a type: pod `cmd` as args ["sh", "-c", cmd], keeping the image entrypoint', () => {
    const pod = buildPodSpec(
      request({ container: { image: 'alpine:3.20', cmd: 'echo $GREETING' } }),
      OPTIONS,
    );
    expectGolden('pod-cmd.json', pod);
  });

  it('leaves command and args to the image when a type: pod has neither', () => {
    const pod = buildPodSpec(request({ container: { image: 'alpine:3.20' } }), OPTIONS);
    const step = pod.spec?.containers[0];
    expect(step?.command).toBeUndefined();
    expect(step?.args).toBeUndefined();
    expect(pod.spec?.initContainers).toBeUndefined();
    expect(pod.spec?.volumes).toBeUndefined();
  });

  it('runs a script in the runner image after an init container fetched the workspace', () => {
    const pod = buildPodSpec(
      request({
        action: { script: 'echo "hi $1"', args: ['there'], env: { GREETING: 'hello' } },
        workspaceRevision: 'rev 42',
      }),
      { ...OPTIONS, serviceAccount: 'stroem-steps', imagePullPolicy: 'Always' },
    );
    expectGolden('script-pod.json', pod);
  });

  it('mounts the startup ConfigMap and sources it before the script', () => {
    const pod = buildPodSpec(
      request({ action: { source: 'scripts/build.py', language: 'python' } }),
      { ...OPTIONS, startupConfigMap: 'stroem-startup', workerToken: undefined },
    );
    expectGolden('script-pod-startup.json', pod);
  });

  it('names pods as DNS-1123 labels of at most 63 characters, unique per suffix', () => {
    const long = request({
      step: {
        jobId: 'ABCDEF12-0000',
        taskName: 'Very_Long Task Name '.repeat(4),
        stepName: 'Step[3]..(loop)',
        workspace: 'w',
      },
    });
    const name = podName(long, 'abcde');
    expect(name).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
    expect(name.length).toBeLessThanOrEqual(63);
    expect(name.startsWith('stroem-abcdef12-very-long-task-name-')).toBe(true);
    expect(name.endsWith('-abcde')).toBe(true);
    expect(podName(request(), 'x7k2q')).toBe('stroem-3f2a9c1e-deploy-build-image-x7k2q');

    const random = { ...OPTIONS, nameSuffix: undefined };
    const a = buildPodSpec(request(), random).metadata?.name;
    const b = buildPodSpec(request(), random).metadata?.name;
    expect(a).not.toBe(b);
  });
});
