/**
 * A real Kubernetes v1.20 cluster on loopback for tests (`../shared/containers.md`): etcd +
 * kube-apiserver ('apiserver'), plus containerd + kubelet ('node') so pods really run. Started
 * once under a file lock and left running, so every test file (and every jest worker) shares it.
 */
import { execFile } from 'node:child_process';
import { request } from 'node:https';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { containersDir } from './containers-dir';

export type KubeMode = 'apiserver' | 'node';

export interface KubeCluster {
  kubeconfigPath: string;
  /** The node pods run on in 'node' mode (set it as `spec.nodeName`: there is no scheduler). */
  nodeName: string;
  mode: KubeMode;
}

const CACHE_DIR = '/var/cache/stroem-k8s';
const BIN_DIR = join(CACHE_DIR, 'bin');
const RUN_DIR = '/var/tmp/stroem-k8s';
/**
 * Held by `flock -o`, so the daemons k8s-up.sh starts do not inherit it (they would hold it for
 * the cluster's lifetime and block every later setup). stroem-k8s.lock was held that way.
 */
const LOCK_FILE = '/var/tmp/stroem-k8s.setup.lock';
const API_URL = 'https://127.0.0.1:16443';
/** The token k8s-up.sh writes into its kubeconfig (K8S_TOKEN default). */
const TOKEN = 'test-token-123';
const PODMAN_DIR = '/var/tmp/stroem-podman';
/** Images imported into containerd in 'node' mode (pods use `imagePullPolicy: Never`). */
export const KUBE_PAUSE_IMAGE = 'localhost/pause:3.4.1';
export const KUBE_TEST_IMAGE = 'localhost/local/busybox:latest';
/**
 * KUBE_TEST_IMAGE with every busybox applet linked (wget, tar, gzip, …): it can run the real
 * workspace init container. Its `wget -T` segfaults (busybox 1.35 static); plain `wget` works.
 */
export const KUBE_FULL_BUSYBOX_IMAGE = 'localhost/local/busybox-full:latest';
/**
 * This host as pods see it: the gateway of k8s-up.sh's bridge (k8stest0, 10.244.0.0/24). Pods
 * get no default route, so this is the only host address they reach.
 */
export const KUBE_POD_GATEWAY = '10.244.0.1';
/** The first run builds the binaries (~5 min) and may start containerd + kubelet. */
const SETUP_TIMEOUT_MS = 15 * 60 * 1000;

export async function ensureKubernetes(mode: KubeMode): Promise<KubeCluster> {
  const cluster: KubeCluster = {
    kubeconfigPath: join(RUN_DIR, 'kubeconfig'),
    nodeName: hostname(),
    mode,
  };
  if ((await apiReady()) && (mode === 'apiserver' || (await nodeReady(cluster.nodeName)))) {
    if (mode === 'apiserver' || (await imagesImported())) return cluster;
  }
  await run('flock', ['-o', LOCK_FILE, 'bash', '-c', SETUP_SCRIPT], {
    C: containersDir('k8s-up.sh'),
    CACHE: CACHE_DIR,
    BIN: BIN_DIR,
    RUN: RUN_DIR,
    MODE: mode,
    TOKEN,
    PODMAN: PODMAN_DIR,
    PAUSE_IMAGE: KUBE_PAUSE_IMAGE,
    TEST_IMAGE: KUBE_TEST_IMAGE,
    FULL_IMAGE: KUBE_FULL_BUSYBOX_IMAGE,
  });
  return cluster;
}

/**
 * Runs under the lock, so it checks again what another process may have started meanwhile.
 * Only 'node' mode needs containerd images; containerd keeps them under RUN/containerd across
 * restarts, so they are imported once.
 */
const SETUP_SCRIPT = String.raw`
set -euo pipefail
api_ready() { [ "$(curl -sk -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $TOKEN" https://127.0.0.1:16443/readyz)" = 200 ]; }
node_ready() { [ "$(curl -sk -H "Authorization: Bearer $TOKEN" https://127.0.0.1:16443/api/v1/nodes/$(hostname) \
  | jq -r '[.status.conditions[]? | select(.type=="Ready") | .status][0] // "none"' 2>/dev/null)" = True ]; }
for b in kube-apiserver kubelet kube-controller-manager kube-scheduler; do
  if [ ! -x "$BIN/$b" ]; then echo "building Kubernetes binaries into $BIN (~5 min)"; "$C/k8s-build.sh" "$CACHE"; break; fi
done
if ! api_ready || { [ "$MODE" = node ] && ! node_ready; }; then
  "$C/k8s-down.sh" "$RUN"
  "$C/k8s-up.sh" "$BIN" "$RUN" "$MODE"
fi
[ "$MODE" = node ] || exit 0
CTR="ctr --address $RUN/containerd/containerd.sock -n k8s.io"
export CONTAINERS_CONF="$PODMAN/containers.conf" CONTAINERS_STORAGE_CONF="$PODMAN/storage.conf"
W="$RUN/images"; mkdir -p "$W"
if ! $CTR images ls -q | grep -qx "$PAUSE_IMAGE"; then
  K=$(ls -d "$CACHE"/src/kubernetes-*/ | head -1)
  gcc -Os -static -o "$W/pause" "$K/build/pause/linux/pause.c"
  tar -C "$W" -cf "$W/pause-rootfs.tar" pause
  podman import --change 'ENTRYPOINT ["/pause"]' "$W/pause-rootfs.tar" "$PAUSE_IMAGE" >/dev/null
  rm -f "$W/pause.tar"  # docker-archive refuses to overwrite
  podman save --format docker-archive -o "$W/pause.tar" "$PAUSE_IMAGE"
  "$C/k8s-import-image.sh" "$RUN" "$W/pause.tar"
fi
if ! $CTR images ls -q | grep -qx "$TEST_IMAGE"; then
  [ -f "$PODMAN/containers.conf" ] || "$C/podman-up.sh" "$PODMAN"
  rm -f "$W/busybox.tar"
  podman save --format docker-archive -o "$W/busybox.tar" "$TEST_IMAGE"
  "$C/k8s-import-image.sh" "$RUN" "$W/busybox.tar"
fi
if ! $CTR images ls -q | grep -qx "$FULL_IMAGE"; then
  [ -f "$PODMAN/containers.conf" ] || "$C/podman-up.sh" "$PODMAN"
  if ! podman image exists "$FULL_IMAGE"; then
    mkdir -p "$W/busybox-full"
    printf 'FROM %s\nRUN ["/bin/busybox", "--install", "-s", "/bin"]\n' "$TEST_IMAGE" > "$W/busybox-full/Containerfile"
    podman build -q --network none -t "$FULL_IMAGE" "$W/busybox-full" >/dev/null
  fi
  rm -f "$W/busybox-full.tar"
  podman save --format docker-archive -o "$W/busybox-full.tar" "$FULL_IMAGE"
  "$C/k8s-import-image.sh" "$RUN" "$W/busybox-full.tar"
fi
`;

function run(command: string, args: string[], env: Record<string, string>): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    execFile(
      command,
      args,
      { env: { ...process.env, ...env }, timeout: SETUP_TIMEOUT_MS, maxBuffer: 64 * 1024 * 1024 },
      (err, stdout, stderr) => {
        if (err) {
          reject(
            new Error(
              `Starting Kubernetes (${env['MODE']} mode) failed: ${err.message}\n${stdout}\n${stderr}\n` +
                `Logs are in ${RUN_DIR}/*.log.`,
            ),
          );
        } else resolvePromise();
      },
    );
  });
}

function get(path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolvePromise) => {
    const req = request(
      `${API_URL}${path}`,
      { headers: { Authorization: `Bearer ${TOKEN}` }, rejectUnauthorized: false, timeout: 3000 },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolvePromise({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', () => resolvePromise({ status: 0, body: '' }));
    req.on('timeout', () => req.destroy());
    req.end();
  });
}

async function apiReady(): Promise<boolean> {
  return (await get('/readyz')).status === 200;
}

async function nodeReady(node: string): Promise<boolean> {
  const res = await get(`/api/v1/nodes/${node}`);
  if (res.status !== 200) return false;
  const parsed = JSON.parse(res.body) as {
    status?: { conditions?: { type: string; status: string }[] };
  };
  return parsed.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}

function imagesImported(): Promise<boolean> {
  return new Promise((resolvePromise) => {
    execFile(
      'ctr',
      [
        '--address',
        join(RUN_DIR, 'containerd', 'containerd.sock'),
        '-n',
        'k8s.io',
        'images',
        'ls',
        '-q',
      ],
      (err, stdout) => {
        const images = err ? [] : stdout.split('\n');
        resolvePromise(
          [KUBE_PAUSE_IMAGE, KUBE_TEST_IMAGE, KUBE_FULL_BUSYBOX_IMAGE].every((image) =>
            images.includes(image),
          ),
        );
      },
    );
  });
}
