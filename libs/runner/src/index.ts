export { stepFolderEnv } from './lib/runner';
export type {
  ContainerAction,
  StepFolderPaths,
  LogLine,
  Runner,
  RunnableAction,
  RunRequest,
  RunResult,
  StepIdentity,
} from './lib/runner';
export { ShellRunner, type ShellRunnerOptions } from './lib/shell-runner';
export { normaliseLanguage, ScriptSetupError, type ScriptLanguage } from './lib/script-command';
export {
  containerScriptCommand,
  CONTAINER_STARTUP_DIR,
  type ContainerScriptOptions,
} from './lib/container-script';
export {
  DockerRunner,
  type DockerPullPolicy,
  type DockerRunnerOptions,
} from './lib/docker/docker-runner';
export { KubeRunner, loadKubeConfig, type KubeRunnerOptions } from './lib/kube/kube-runner';
export { buildPodSpec, type PodSpecOptions } from './lib/kube/pod-spec';
export { ManifestError, mergeManifest } from './lib/kube/manifest-merge';
