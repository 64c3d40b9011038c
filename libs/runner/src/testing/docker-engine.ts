/**
 * A real Docker-Engine-API endpoint for tests: rootful podman started by
 * `containers/podman-up.sh` (see `../shared/containers.md`). It is started once, under a file
 * lock because several jest projects may ask at the same time, and left running for every test
 * file after it.
 */
import { spawn } from 'node:child_process';
import { basename, dirname, join } from 'node:path';
import Docker from 'dockerode';
import { containersDir } from './containers-dir';

/** A busybox image imported by `podman-up.sh` (nothing can be pulled here). */
export const TEST_IMAGE = 'local/busybox:latest';

export interface DockerEngine {
  socketPath: string;
  /** The same endpoint in DOCKER_HOST form: `unix://<socketPath>`. */
  host: string;
}

const DEFAULT_DIR = '/var/tmp/stroem-podman';
const LOCK_FILE = '/var/tmp/stroem-podman.lock';
const START_TIMEOUT_MS = 120_000;

export async function ensureDockerEngine(): Promise<DockerEngine> {
  const socketPath = engineSocketPath();
  // The timeout bounds every request of this client: it only pings and inspects.
  const docker = new Docker({ socketPath, timeout: 5000 });
  if (!(await answers(docker))) {
    await startPodman(socketPath);
    if (!(await answers(docker))) {
      throw new Error(`The podman service at ${socketPath} does not answer after podman-up.sh`);
    }
  }
  if (!(await hasImage(docker, TEST_IMAGE))) {
    // podman-up.sh imports the image only when it (re)starts the service.
    await startPodman(socketPath, { restart: true });
    if (!(await hasImage(docker, TEST_IMAGE))) {
      throw new Error(`The test image ${TEST_IMAGE} is missing from ${socketPath}`);
    }
  }
  return { socketPath, host: `unix://${socketPath}` };
}

function engineSocketPath(): string {
  const host = process.env['DOCKER_HOST'];
  if (host?.startsWith('unix://')) return host.slice('unix://'.length);
  return join(DEFAULT_DIR, 'podman.sock');
}

async function answers(docker: Docker): Promise<boolean> {
  try {
    await docker.ping();
    return true;
  } catch {
    return false;
  }
}

async function hasImage(docker: Docker, image: string): Promise<boolean> {
  try {
    await docker.getImage(image).inspect();
    return true;
  } catch {
    return false;
  }
}

/** Runs podman-up.sh under the lock, unless the service came up meanwhile (checked inside it). */
async function startPodman(socketPath: string, options: { restart?: boolean } = {}): Promise<void> {
  if (basename(socketPath) !== 'podman.sock') {
    throw new Error(
      `The Docker engine at unix://${socketPath} does not answer, and it is not a podman.sock ` +
        'this helper can start: start it, or unset DOCKER_HOST to use the shared podman service.',
    );
  }
  const dir = dirname(socketPath);
  const scripts = containersDir('podman-up.sh');
  const script = options.restart
    ? '"$1/podman-down.sh" "$3" && "$1/podman-up.sh" "$3"'
    : 'curl -sf --unix-socket "$2" http://d/_ping >/dev/null 2>&1 || "$1/podman-up.sh" "$3"';
  await new Promise<void>((done, fail) => {
    const child = spawn(
      'flock',
      // --close: the service started by the script must not inherit (and keep) the lock.
      ['--close', LOCK_FILE, 'bash', '-c', script, 'podman-up', scripts, socketPath, dir],
      {
        // The service outlives this process: keep it out of jest's process group.
        detached: true,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), START_TIMEOUT_MS);
    child.on('error', (err) => {
      clearTimeout(timer);
      fail(new Error(`Could not run podman-up.sh under flock: ${err.message}`));
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code === 0) done();
      else if (code === null) {
        fail(
          new Error(
            `podman-up.sh ${dir} did not finish within ${START_TIMEOUT_MS / 1000}s (lock ${LOCK_FILE}):\n${output}`,
          ),
        );
      } else fail(new Error(`${scripts}/podman-up.sh ${dir} failed (exit ${code}):\n${output}`));
    });
  });
}
