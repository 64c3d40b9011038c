/**
 * Real container engines for tests (`../shared/containers.md`): a Docker-API endpoint (rootful
 * podman) and a Kubernetes v1.20 cluster, started on first use and shared by every test file.
 */
export { ensureDockerEngine, TEST_IMAGE, type DockerEngine } from './docker-engine';
export {
  ensureKubernetes,
  KUBE_FULL_BUSYBOX_IMAGE,
  KUBE_POD_GATEWAY,
  KUBE_TEST_IMAGE,
  type KubeCluster,
  type KubeMode,
} from './kube-cluster';
