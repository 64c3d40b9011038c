/**
 * The pod a step runs in (reference §1.13 KubeRunner, §2.5, §2.16): one pod per step, its only
 * regular container named `step`, `restartPolicy: Never`. Pure: the same request and options
 * give the same pod (the name suffix aside, which tests fix).
 */
import { randomBytes } from 'node:crypto';
import type {
  V1Container,
  V1EnvVar,
  V1Pod,
  V1Volume,
  V1VolumeMount,
} from '@kubernetes/client-node';
import { CONTAINER_STARTUP_DIR, containerScriptCommand } from '../container-script';
import type { RunRequest } from '../runner';

export const STEP_CONTAINER = 'step';
export const INIT_CONTAINER = 'workspace-init';
export const POD_WORKSPACE_DIR = '/workspace';
export const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';
export const WORKER_LABEL = 'stroem.dev/worker';
export const JOB_ID_LABEL = 'stroem.dev/job-id';

export interface PodSpecOptions {
  namespace: string;
  /** Base URL the init container fetches `/worker/workspace/<ws>.tar.gz` from. */
  serverUrl: string;
  workerToken?: string;
  /** The image of `script` + `runner: pod` steps. */
  runnerImage: string;
  /** Fetches and unpacks the workspace: needs `sh`, `tar` and `curl` or `wget`. */
  initImage: string;
  workerName: string;
  serviceAccount?: string;
  /** A ConfigMap of `*.sh` startup scripts, mounted at /etc/stroem/startup.d for script steps. */
  startupConfigMap?: string;
  imagePullPolicy?: 'Always' | 'IfNotPresent' | 'Never';
  /** Pins the pod to a node (no scheduler needed). */
  nodeName?: string;
  /** The pod name's random suffix (retries and loop instances must not collide); tests fix it. */
  nameSuffix?: string;
  /** Names a non-shell inline script's temp file; tests fix it. */
  scriptId?: string;
}

/**
 * Downloads the workspace revision into the emptyDir. Works with curl images (the upstream
 * default `curlimages/curl`) and with busybox `wget`; download and unpack are separate so the
 * error says which one failed.
 */
const INIT_SCRIPT = [
  'f=/workspace/.stroem-workspace.tar.gz',
  'auth="Authorization: Bearer ${STROEM_WORKER_TOKEN:-}"',
  'if command -v curl >/dev/null 2>&1; then',
  '  curl -sSfL -H "$auth" -o "$f" "$STROEM_WORKSPACE_URL"',
  'else',
  '  wget -q --header "$auth" -O "$f" "$STROEM_WORKSPACE_URL"',
  'fi || { echo "stroem: could not download the workspace from $STROEM_WORKSPACE_URL" >&2; exit 1; }',
  'tar xzf "$f" -C /workspace || { echo "stroem: the workspace download is not a gzip tarball" >&2; exit 1; }',
  'rm -f "$f"',
].join('\n');

export function buildPodSpec(request: RunRequest, options: PodSpecOptions): V1Pod {
  const { step } = request;
  const name = podName(request, options.nameSuffix ?? randomSuffix());
  const env = stepEnv(request);
  const pullPolicy = options.imagePullPolicy ? { imagePullPolicy: options.imagePullPolicy } : {};

  const pod: V1Pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: options.namespace,
      labels: {
        [MANAGED_BY_LABEL]: 'stroem',
        [WORKER_LABEL]: labelValue(options.workerName),
        [JOB_ID_LABEL]: labelValue(step.jobId),
      },
      // Labels are truncated and sanitised; the annotations keep the exact names.
      annotations: {
        'stroem.dev/job-id': step.jobId,
        'stroem.dev/task': step.taskName,
        'stroem.dev/step': step.stepName,
        'stroem.dev/workspace': step.workspace,
        ...(request.workspaceRevision ? { 'stroem.dev/revision': request.workspaceRevision } : {}),
      },
    },
    spec: {
      restartPolicy: 'Never',
      containers: [],
      ...(options.serviceAccount ? { serviceAccountName: options.serviceAccount } : {}),
      ...(options.nodeName ? { nodeName: options.nodeName } : {}),
    },
  };
  const spec = pod.spec as NonNullable<V1Pod['spec']>;

  if (request.container) {
    // `type: pod`: the image as it is, no workspace, no startup scripts. Docker's Entrypoint is
    // Kubernetes' `command`, Docker's Cmd is `args` (so the image ENTRYPOINT stays without one).
    const { image, entrypoint, command, cmd } = request.container;
    const args = command ?? (cmd !== undefined ? ['sh', '-c', cmd] : undefined);
    spec.containers.push({
      name: STEP_CONTAINER,
      image,
      ...(entrypoint ? { command: entrypoint } : {}),
      ...(args ? { args } : {}),
      env,
      ...pullPolicy,
    });
    return pod;
  }

  const workspaceMount: V1VolumeMount = { name: 'workspace', mountPath: POD_WORKSPACE_DIR };
  const volumes: V1Volume[] = [{ name: 'workspace', emptyDir: {} }];
  const mounts: V1VolumeMount[] = [workspaceMount];
  if (options.startupConfigMap) {
    volumes.push({
      name: 'startup-scripts',
      configMap: { name: options.startupConfigMap, defaultMode: 0o755 },
    });
    mounts.push({ name: 'startup-scripts', mountPath: CONTAINER_STARTUP_DIR, readOnly: true });
  }
  spec.initContainers = [initContainer(request, options, workspaceMount)];
  spec.containers.push({
    name: STEP_CONTAINER,
    image: options.runnerImage,
    command: containerScriptCommand(request.action, {
      workdir: POD_WORKSPACE_DIR,
      startupDir: options.startupConfigMap ? CONTAINER_STARTUP_DIR : undefined,
      scriptId: options.scriptId,
    }),
    workingDir: POD_WORKSPACE_DIR,
    env,
    volumeMounts: mounts,
    ...pullPolicy,
  });
  spec.volumes = volumes;
  return pod;
}

function initContainer(
  request: RunRequest,
  options: PodSpecOptions,
  workspaceMount: V1VolumeMount,
): V1Container {
  const base = options.serverUrl.replace(/\/+$/, '');
  const revision = request.workspaceRevision
    ? `?revision=${encodeURIComponent(request.workspaceRevision)}`
    : '';
  const url = `${base}/worker/workspace/${encodeURIComponent(request.step.workspace)}.tar.gz${revision}`;
  const env: V1EnvVar[] = [{ name: 'STROEM_WORKSPACE_URL', value: url }];
  // As upstream, the token is a plain env value of the init container: whoever may read pods in
  // this namespace may read it. Give the worker a namespace of its own.
  if (options.workerToken) env.push({ name: 'STROEM_WORKER_TOKEN', value: options.workerToken });
  return {
    name: INIT_CONTAINER,
    image: options.initImage,
    command: ['sh', '-c', INIT_SCRIPT],
    env,
    volumeMounts: [workspaceMount],
    ...(options.imagePullPolicy ? { imagePullPolicy: options.imagePullPolicy } : {}),
  };
}

/** action.env, then the `STROEM_*` identity (which wins), as the ShellRunner does. */
function stepEnv(request: RunRequest): V1EnvVar[] {
  const vars: Record<string, string> = {
    ...(request.action.env ?? {}),
    STROEM_JOB_ID: request.step.jobId,
    STROEM_TASK_NAME: request.step.taskName,
    STROEM_STEP_NAME: request.step.stepName,
    STROEM_WORKSPACE: request.step.workspace,
  };
  return Object.entries(vars).map(([name, value]) => ({ name, value }));
}

/** `stroem-{job8}-{task}-{step}-{suffix}`: a DNS-1123 label of at most 63 characters. */
export function podName(request: RunRequest, suffix: string): string {
  const job8 = dnsLabel(request.step.jobId).slice(0, 8);
  const parts = [
    'stroem',
    job8,
    dnsLabel(request.step.taskName),
    dnsLabel(request.step.stepName),
  ].filter((p) => p !== '');
  const tail = `-${dnsLabel(suffix)}`;
  const head = parts
    .join('-')
    .slice(0, 63 - tail.length)
    .replace(/-+$/, '');
  return `${head}${tail}`;
}

/** Lowercase, `[a-z0-9-]` only, dashes collapsed and trimmed. */
export function dnsLabel(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
}

/** A valid label value: `[A-Za-z0-9._-]`, at most 63 characters, alphanumeric at both ends. */
export function labelValue(text: string): string {
  return text
    .replace(/[^A-Za-z0-9._-]+/g, '-')
    .slice(0, 63)
    .replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, '');
}

function randomSuffix(): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  return Array.from(randomBytes(5), (b) => alphabet[b % alphabet.length]).join('');
}
