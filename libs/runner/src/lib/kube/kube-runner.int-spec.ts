/**
 * KubeRunner against a real Kubernetes v1.20 (kube-apiserver + etcd + kubelet + containerd, no
 * scheduler or controller-manager). Pods without `spec.nodeName` are never scheduled, which is how
 * the Pending, cancel and timeout paths are driven; pods pinned to the node really run busybox.
 */
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { CoreV1Api, KubeConfig, type V1Pod } from '@kubernetes/client-node';
import { create as createTar } from 'tar';
import {
  ensureKubernetes,
  KUBE_FULL_BUSYBOX_IMAGE,
  KUBE_POD_GATEWAY,
  type KubeCluster,
} from '../../testing/kube-cluster';
import type { LogLine, RunRequest } from '../runner';
import { KubeRunner, loadKubeConfig, type KubeRunnerOptions } from './kube-runner';
import { mergeManifest } from './manifest-merge';
import { buildPodSpec } from './pod-spec';

const NAMESPACE = 'default';
const TEST_IMAGE = 'localhost/local/busybox:latest';
/** Every test run has its own worker name, so its pods are told apart by label. */
const WORKER = `kube-int-${randomBytes(3).toString('hex')}`;

let cluster: KubeCluster;
let kc: KubeConfig;
let core: CoreV1Api;

beforeAll(
  async () => {
    cluster = await ensureKubernetes('node');
    kc = loadKubeConfig(cluster.kubeconfigPath);
    core = kc.makeApiClient(CoreV1Api);
  },
  20 * 60 * 1000,
);

afterAll(async () => {
  if (kc) await runner().removeOrphans();
});

function runner(overrides: Partial<KubeRunnerOptions> = {}): KubeRunner {
  return new KubeRunner({
    kubeConfig: kc,
    namespace: NAMESPACE,
    serverUrl: 'http://127.0.0.1:9/unused',
    workerToken: 'test-worker-token',
    runnerImage: TEST_IMAGE,
    initImage: TEST_IMAGE,
    workerName: WORKER,
    imagePullPolicy: 'Never',
    pollIntervalMs: 200,
    ...overrides,
  });
}

let counter = 0;
function request(overrides: Partial<RunRequest> = {}): RunRequest {
  counter++;
  return {
    action: { script: 'echo hi', env: { GREETING: 'hello' } },
    workspaceDir: '/unused',
    step: {
      jobId: `${randomBytes(4).toString('hex')}-0000-4000-8000-000000000000`,
      taskName: 'kube-int',
      stepName: `step-${counter}`,
      workspace: 'default',
    },
    ...overrides,
  };
}

async function podsOf(worker: string): Promise<V1Pod[]> {
  const list = await core.listNamespacedPod({
    namespace: NAMESPACE,
    labelSelector: `stroem.dev/worker=${worker}`,
  });
  return list.items;
}

async function podGone(name: string, deadlineMs: number): Promise<boolean> {
  const until = Date.now() + deadlineMs;
  while (Date.now() < until) {
    try {
      await core.readNamespacedPod({ name, namespace: NAMESPACE });
    } catch (err) {
      if ((err as { code?: number }).code === 404) return true;
      throw err;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return false;
}

async function podDeletedOrDeleting(name: string): Promise<boolean> {
  try {
    const pod = await core.readNamespacedPod({ name, namespace: NAMESPACE });
    return pod.metadata?.deletionTimestamp !== undefined;
  } catch (err) {
    if ((err as { code?: number }).code === 404) return true;
    throw err;
  }
}

interface WorkspaceRequest {
  path: string;
  revision: string | null;
  authorization: string | undefined;
}

interface WorkspaceServer {
  /** The server URL as pods see it (this host on the pod bridge). */
  url: string;
  requests: WorkspaceRequest[];
  close(): Promise<void>;
}

/**
 * A stand-in for the Strøm server's `GET /worker/workspace/{ws}.tar.gz?revision=…`: serves
 * `tarball` for that workspace and revision with the right bearer token, 401 without it.
 */
async function serveWorkspace(options: {
  token: string;
  workspace: string;
  revision: string;
  tarball: Buffer;
}): Promise<WorkspaceServer> {
  const requests: WorkspaceRequest[] = [];
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://stroem');
    const seen = {
      path: url.pathname,
      revision: url.searchParams.get('revision'),
      authorization: req.headers.authorization,
    };
    requests.push(seen);
    if (seen.authorization !== `Bearer ${options.token}`) {
      res.writeHead(401, { 'Content-Type': 'application/json' }).end('{"error":"Unauthorized"}');
    } else if (
      req.method !== 'GET' ||
      seen.path !== `/worker/workspace/${options.workspace}.tar.gz` ||
      seen.revision !== options.revision
    ) {
      res.writeHead(404, { 'Content-Type': 'application/json' }).end('{"error":"Not found"}');
    } else {
      res.writeHead(200, { 'Content-Type': 'application/gzip' }).end(options.tarball);
    }
  });
  // Pods reach this host only through the bridge gateway; before the first pod ever ran, the
  // bridge may not exist yet, and any address will do.
  const onBridge = Object.values(networkInterfaces()).some((addrs) =>
    addrs?.some((a) => a.address === KUBE_POD_GATEWAY),
  );
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, onBridge ? KUBE_POD_GATEWAY : '0.0.0.0', resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${KUBE_POD_GATEWAY}:${port}`,
    requests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** A gzipped tarball of `files` (path → content; `mode` for executables), made with real tar. */
async function workspaceTarball(
  dir: string,
  files: Record<string, { content: string; mode?: number }>,
): Promise<Buffer> {
  for (const [path, file] of Object.entries(files)) {
    await mkdir(join(dir, path, '..'), { recursive: true });
    await writeFile(join(dir, path), file.content);
    if (file.mode !== undefined) await chmod(join(dir, path), file.mode);
  }
  const chunks: Buffer[] = [];
  const roots = [...new Set(Object.keys(files).map((p) => p.split('/')[0]))];
  for await (const chunk of createTar({ gzip: true, cwd: dir, portable: true }, roots)) {
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

describe('KubeRunner against the API server', () => {
  it('answers ping, and names the server when it does not answer', async () => {
    await expect(runner().ping()).resolves.toBeUndefined();

    const wrong = new KubeConfig();
    wrong.loadFromOptions({
      clusters: [{ name: 'c', server: 'https://127.0.0.1:1', skipTLSVerify: true }],
      users: [{ name: 'u', token: 'x' }],
      contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
      currentContext: 'x',
    });
    await expect(runner({ kubeConfig: wrong }).ping()).rejects.toThrow(
      /Kubernetes API server https:\/\/127\.0\.0\.1:1 did not answer listing pods in namespace 'default': .*ECONNREFUSED/,
    );
  });

  it('generates pods the API server accepts: script + startup ConfigMap + manifest, and type: pod', async () => {
    const options = {
      namespace: NAMESPACE,
      serverUrl: 'http://stroem:8080',
      workerToken: 't',
      runnerImage: 'ghcr.io/fremvaerk/stroem-runner:latest',
      initImage: 'curlimages/curl:latest',
      workerName: WORKER,
      serviceAccount: 'default',
      startupConfigMap: 'stroem-startup',
      imagePullPolicy: 'IfNotPresent' as const,
    };
    const script = mergeManifest(
      buildPodSpec(
        request({ action: { source: 'a.py', language: 'python', args: ['1'] } }),
        options,
      ),
      {
        metadata: { labels: { team: 'data' } },
        spec: {
          nodeSelector: { 'kubernetes.io/os': 'linux' },
          tolerations: [{ key: 'batch', operator: 'Exists', effect: 'NoSchedule' }],
          containers: [
            { name: 'step', resources: { limits: { memory: '256Mi', cpu: '500m' } } },
            { name: 'sidecar', image: 'busybox', args: ['sleep', '5'] },
          ],
        },
      },
    );
    const pod = buildPodSpec(
      request({ container: { image: 'alpine:3', entrypoint: ['/bin/sh'], cmd: 'echo hi' } }),
      options,
    );
    for (const body of [script, pod]) {
      const accepted = await core.createNamespacedPod({
        namespace: NAMESPACE,
        body,
        dryRun: 'All',
      });
      expect(accepted.metadata?.name).toBe(body.metadata?.name);
      expect(accepted.spec?.containers.map((c) => c.name)).toEqual(
        body.spec?.containers.map((c) => c.name),
      );
    }
  });

  it('reports a spec the API server rejects as a step error, without throwing', async () => {
    const result = await runner().run(
      request({
        manifest: {
          spec: { containers: [{ name: 'step', resources: { limits: { memory: 'lots' } } }] },
        },
      }),
    );
    expect(result.exitCode).toBe(-1);
    expect(result.error).toMatch(
      /^Creating pod 'stroem-[a-z0-9-]+' in namespace 'default' failed: HTTP 4\d\d: .*memory/,
    );
  });

  it('refuses a privileged manifest before creating any pod', async () => {
    const worker = `${WORKER}-refused`;
    const result = await runner({ workerName: worker }).run(
      request({ manifest: { spec: { hostNetwork: true } } }),
    );
    expect(result).toMatchObject({
      exitCode: -1,
      error: "manifest: 'spec.hostNetwork' is not allowed",
    });
    expect(await podsOf(worker)).toHaveLength(0);
  });

  it('fails a pod that stays Pending, naming why, and deletes it', async () => {
    let podName = '';
    const started = Date.now();
    const result = await runner({ pendingTimeoutSecs: 2 }).run(
      request({ onStart: (id) => (podName = String(id)) }),
    );
    expect(result.exitCode).toBe(-1);
    expect(result.error).toBe(
      'Pod stayed Pending for 2s: no node was assigned (is a scheduler running, and can any node take the pod?)',
    );
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(podName).toMatch(/^stroem-[0-9a-f]{8}-kube-int-step-\d+-[a-z0-9]{5}$/);
    expect(await podGone(podName, 10_000)).toBe(true);
  });

  it('deletes the pod when the job is cancelled', async () => {
    const controller = new AbortController();
    let podName = '';
    const result = await runner().run(
      request({
        signal: controller.signal,
        onStart: (id) => {
          podName = String(id);
          setTimeout(() => controller.abort(), 300);
        },
      }),
    );
    expect(result).toMatchObject({ exitCode: -1, error: 'Job cancelled' });
    expect(await podGone(podName, 10_000)).toBe(true);
  });

  it('times out a step that never starts', async () => {
    let podName = '';
    const result = await runner().run(
      request({ timeoutSeconds: 1, onStart: (id) => (podName = String(id)) }),
    );
    expect(result).toMatchObject({ exitCode: -1, error: 'Step timed out after 1s' });
    expect(await podGone(podName, 10_000)).toBe(true);
  });

  it("removes this worker's leftover pods and only those", async () => {
    const worker = `${WORKER}-orphans`;
    const other = `${WORKER}-other`;
    const create = (workerName: string) =>
      core.createNamespacedPod({
        namespace: NAMESPACE,
        body: buildPodSpec(request({ container: { image: TEST_IMAGE } }), {
          namespace: NAMESPACE,
          serverUrl: 'http://unused',
          runnerImage: TEST_IMAGE,
          initImage: TEST_IMAGE,
          workerName,
        }),
      });
    await create(worker);
    await create(worker);
    await create(other);

    expect(await runner({ workerName: worker }).removeOrphans()).toBe(2);
    expect(await podsOf(worker)).toHaveLength(0);
    expect(await podsOf(other)).toHaveLength(1);
    expect(await runner({ workerName: other }).removeOrphans()).toBe(1);
  });
});

describe('KubeRunner on a real kubelet (busybox pods)', () => {
  const onNode = () => runner({ nodeName: cluster.nodeName });

  it('runs a type: pod image: exit code, merged log lines, output', async () => {
    const lines: LogLine[] = [];
    let podName = '';
    const req = request({
      container: {
        image: TEST_IMAGE,
        cmd: 'echo "OUTPUT: {\\"a\\":1}"; echo "step=$STROEM_STEP_NAME $GREETING"; echo err >&2; exit 3',
      },
      onLog: (line) => lines.push(line),
      onStart: (id) => (podName = String(id)),
    });
    const stepName = req.step.stepName;
    const result = await onNode().run(req);
    expect(result.exitCode).toBe(3);
    expect(result.output).toEqual({ a: 1 });
    // stdout and stderr are separate pipes merged by the runtime: their relative order varies.
    const texts = lines.map((l) => l.text);
    expect([...texts].sort()).toEqual(['OUTPUT: {"a":1}', `step=${stepName} hello`, 'err'].sort());
    expect(texts.indexOf(`step=${stepName} hello`)).toBeGreaterThan(
      texts.indexOf('OUTPUT: {"a":1}'),
    );
    expect(lines.every((l) => l.stream === 'stdout')).toBe(true);
    expect(result.error).toBe(`Exit code: 3\nStderr: ${texts.join('\n')}`);
    expect(await podDeletedOrDeleting(podName)).toBe(true);
  }, 60_000);

  it('runs a script step in the pod with STATE lines and exit 0', async () => {
    // The init container cannot reach a Strøm server from the pod network here, so the
    // workspace download is replaced by an empty init (the manifest may not touch the step).
    const result = await onNode().run(
      request({
        action: { script: 'echo "STATE: {\\"n\\":$1}"; pwd', args: ['7'] },
        manifest: { spec: { initContainers: [{ name: 'workspace-init', command: ['true'] }] } },
      }),
    );
    expect(result).toMatchObject({ exitCode: 0, state: { n: 7 }, output: null });
    expect(result.error).toBeUndefined();
  }, 60_000);

  it('deletes a running pod when cancelled mid-run', async () => {
    const controller = new AbortController();
    let podName = '';
    const started = Date.now();
    const result = await onNode().run(
      request({
        container: { image: TEST_IMAGE, cmd: 'echo started; sleep 60' },
        signal: controller.signal,
        onStart: (id) => (podName = String(id)),
        onLog: (line) => {
          if (line.text === 'started') controller.abort();
        },
      }),
    );
    expect(result).toMatchObject({ exitCode: -1, error: 'Job cancelled' });
    expect(Date.now() - started).toBeLessThan(15_000);
    // The kubelet takes its time (~10 s here) to remove a deleted running pod; the runner's part
    // is the deletion request, visible at once.
    expect(await podDeletedOrDeleting(podName)).toBe(true);
  }, 60_000);

  it('surfaces an OOMKilled step container', async () => {
    const result = await onNode().run(
      request({
        container: {
          image: TEST_IMAGE,
          cmd: 'echo start; a=xxxxxxxxxxxxxxxx; while true; do a="$a$a"; done',
        },
        manifest: {
          spec: { containers: [{ name: 'step', resources: { limits: { memory: '20Mi' } } }] },
        },
      }),
    );
    expect(result.exitCode).toBe(137);
    expect(result.error).toMatch(/^Container killed: OOMKilled \(memory limit exceeded; /);
    expect(result.error).toMatch(/\nExit code: 137\nStderr: start$/);
  }, 60_000);

  it("fails with the init container's message when the workspace cannot be fetched", async () => {
    // busybox here has neither curl nor a wget applet link: the download step fails for real.
    const result = await onNode().run(request());
    expect(result.exitCode).toBe(-1);
    expect(result.error).toMatch(
      /^Init container 'workspace-init' failed with exit code 1 \(Error\): .*stroem: could not download the workspace from http:\/\/127\.0\.0\.1:9\/unused\/worker\/workspace\/default\.tar\.gz$/s,
    );
  }, 60_000);

  it('fails fast on an image that is not there and may not be pulled', async () => {
    const started = Date.now();
    const result = await onNode().run(
      request({ container: { image: 'localhost/no-such-image:1' } }),
    );
    expect(result.exitCode).toBe(-1);
    expect(result.error).toMatch(
      /^Container 'step' cannot start: ErrImageNeverPull: .*no-such-image/,
    );
    expect(Date.now() - started).toBeLessThan(30_000);
  }, 60_000);
});

describe('KubeRunner downloading the real workspace (busybox wget + tar init container)', () => {
  const TOKEN = `worker-${randomBytes(6).toString('hex')}`;
  const REVISION = 'a1b2c3d4e5f6';
  let dir = '';
  let server: WorkspaceServer;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'stroem-kube-ws-'));
    const tarball = await workspaceTarball(dir, {
      'data/message.txt': { content: 'hello from the workspace\n' },
      'scripts/run.sh': {
        content: [
          '#!/bin/sh',
          'cat data/message.txt',
          'ls scripts',
          'echo "args=$#:$1|$2 pwd=$(pwd)"',
          'echo "OUTPUT: {\\"message\\":\\"$(cat data/message.txt)\\",\\"second\\":\\"$2\\"}"',
          '',
        ].join('\n'),
        mode: 0o755,
      },
    });
    server = await serveWorkspace({
      token: TOKEN,
      workspace: 'default',
      revision: REVISION,
      tarball,
    });
  });

  afterAll(async () => {
    await server?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const fetching = (workerToken: string) =>
    runner({
      nodeName: cluster.nodeName,
      serverUrl: server.url,
      workerToken,
      initImage: KUBE_FULL_BUSYBOX_IMAGE,
      runnerImage: KUBE_FULL_BUSYBOX_IMAGE,
    });

  it('fetches the revision with the worker token, unpacks it and runs a source script from it', async () => {
    const lines: string[] = [];
    const before = server.requests.length;
    const result = await fetching(TOKEN).run(
      request({
        action: { source: 'scripts/run.sh', args: ['one', 'two words'] },
        workspaceRevision: REVISION,
        onLog: (line) => lines.push(line.text),
      }),
    );
    expect(result.error).toBeUndefined();
    expect(result.exitCode).toBe(0);
    expect(lines).toEqual([
      'hello from the workspace',
      'run.sh',
      'args=2:one|two words pwd=/workspace',
      'OUTPUT: {"message":"hello from the workspace","second":"two words"}',
    ]);
    expect(result.output).toEqual({ message: 'hello from the workspace', second: 'two words' });
    expect(server.requests.slice(before)).toEqual([
      {
        path: '/worker/workspace/default.tar.gz',
        revision: REVISION,
        authorization: `Bearer ${TOKEN}`,
      },
    ]);
  }, 60_000);

  it('fails in the init container, naming the HTTP error, when the server refuses the token', async () => {
    const lines: string[] = [];
    const before = server.requests.length;
    const result = await fetching('wrong-token').run(
      request({
        action: { source: 'scripts/run.sh' },
        workspaceRevision: REVISION,
        onLog: (line) => lines.push(line.text),
      }),
    );
    expect(result.exitCode).toBe(-1);
    const url = `${server.url}/worker/workspace/default.tar.gz?revision=${REVISION}`;
    expect(result.error).toMatch(
      new RegExp(
        "^Init container 'workspace-init' failed with exit code 1 \\(Error\\): " +
          '.*401 Unauthorized.*\\n' +
          `stroem: could not download the workspace from ${url.replace(/[.?]/g, '\\$&')}$`,
        's',
      ),
    );
    expect(lines).toEqual([]);
    expect(server.requests.slice(before)).toEqual([
      {
        path: '/worker/workspace/default.tar.gz',
        revision: REVISION,
        authorization: 'Bearer wrong-token',
      },
    ]);
  }, 60_000);
});
