import type { JsonObject } from '@stroem/workflow';
import { ManifestError, mergeManifest } from './manifest-merge';
import { buildPodSpec } from './pod-spec';
import { expectGolden, OPTIONS, request } from './__golden__/golden';

const scriptPod = () =>
  buildPodSpec(request({ action: { script: 'make build', env: { A: '1' } } }), OPTIONS);

describe('mergeManifest', () => {
  it('augments the step container, the pod spec and the labels, and appends a sidecar', () => {
    const manifest: JsonObject = {
      metadata: { labels: { team: 'data' }, annotations: { 'example.com/cost-center': '42' } },
      spec: {
        nodeSelector: { 'kubernetes.io/arch': 'amd64' },
        tolerations: [
          { key: 'dedicated', operator: 'Equal', value: 'batch', effect: 'NoSchedule' },
        ],
        containers: [
          {
            name: 'step',
            resources: { limits: { memory: '512Mi', cpu: '1' }, requests: { memory: '256Mi' } },
            env: [
              { name: 'A', value: 'overridden' },
              { name: 'EXTRA', value: 'yes' },
            ],
          },
          { name: 'proxy', image: 'envoyproxy/envoy:v1.30', args: ['--config', '/etc/envoy.yaml'] },
        ],
        volumes: [{ name: 'cache', emptyDir: { medium: 'Memory' } }],
      },
    };
    expectGolden('manifest-merged.json', mergeManifest(scriptPod(), manifest));
  });

  it('replaces lists without names instead of merging them', () => {
    const base = mergeManifest(scriptPod(), {
      spec: { tolerations: [{ key: 'a', operator: 'Exists' }] },
    });
    const merged = mergeManifest(base, {
      spec: { tolerations: [{ key: 'b', operator: 'Exists' }] },
    });
    expect(merged.spec?.tolerations).toEqual([{ key: 'b', operator: 'Exists' }]);
  });

  it('returns the pod unchanged without a manifest', () => {
    const pod = scriptPod();
    expect(mergeManifest(pod, undefined)).toBe(pod);
  });

  const refusals: [string, JsonObject, string][] = [
    ['hostNetwork', { spec: { hostNetwork: true } }, 'spec.hostNetwork'],
    ['hostPID', { spec: { hostPID: true } }, 'spec.hostPID'],
    ['hostIPC', { spec: { hostIPC: true } }, 'spec.hostIPC'],
    [
      'a privileged container',
      { spec: { containers: [{ name: 'step', securityContext: { privileged: true } }] } },
      'spec.containers[step].securityContext.privileged',
    ],
    [
      'a privileged sidecar',
      {
        spec: {
          containers: [
            { name: 'dind', image: 'docker:dind', securityContext: { privileged: true } },
          ],
        },
      },
      'spec.containers[dind].securityContext.privileged',
    ],
    [
      'privilege escalation in an init container',
      {
        spec: {
          initContainers: [
            { name: 'workspace-init', securityContext: { allowPrivilegeEscalation: true } },
          ],
        },
      },
      'spec.initContainers[workspace-init].securityContext.allowPrivilegeEscalation',
    ],
    [
      'added capabilities',
      {
        spec: {
          containers: [{ name: 'step', securityContext: { capabilities: { add: ['NET_ADMIN'] } } }],
        },
      },
      'spec.containers[step].securityContext.capabilities.add',
    ],
    [
      'a hostPath volume',
      { spec: { volumes: [{ name: 'docker', hostPath: { path: '/var/run/docker.sock' } }] } },
      'spec.volumes[docker].hostPath',
    ],
    [
      'the step image',
      { spec: { containers: [{ name: 'step', image: 'evil:latest' }] } },
      'spec.containers[step].image',
    ],
    [
      'the step command',
      { spec: { containers: [{ name: 'step', command: ['sh'] }] } },
      'spec.containers[step].command',
    ],
    [
      'the step args',
      { spec: { containers: [{ name: 'step', args: ['-c', 'id'] }] } },
      'spec.containers[step].args',
    ],
    ['the pod name', { metadata: { name: 'mine' } }, 'metadata.name'],
    ['the namespace', { metadata: { namespace: 'kube-system' } }, 'metadata.namespace'],
    [
      'the worker label',
      { metadata: { labels: { 'stroem.dev/worker': 'other' } } },
      'metadata.labels.stroem.dev/worker',
    ],
  ];

  it.each(refusals)('refuses %s', (_what, manifest, path) => {
    expect(() => mergeManifest(scriptPod(), manifest)).toThrow(ManifestError);
    expect(() => mergeManifest(scriptPod(), manifest)).toThrow(
      `manifest: '${path}' is not allowed`,
    );
  });

  it('accepts settings that restate the safe defaults', () => {
    const merged = mergeManifest(scriptPod(), {
      spec: {
        hostNetwork: false,
        containers: [
          {
            name: 'step',
            securityContext: {
              privileged: false,
              allowPrivilegeEscalation: false,
              capabilities: { drop: ['ALL'] },
            },
          },
        ],
      },
    });
    expect(merged.spec?.hostNetwork).toBe(false);
    expect(merged.spec?.containers[0]?.securityContext?.capabilities?.drop).toEqual(['ALL']);
  });

  it('asks for a name on every container, since containers merge by name', () => {
    expect(() => mergeManifest(scriptPod(), { spec: { containers: [{ resources: {} }] } })).toThrow(
      "manifest: 'spec.containers[0]' needs a name",
    );
  });
});
