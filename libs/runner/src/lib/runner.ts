/** The seam between "a step must run" and how: a local shell, a container, a pod. */
import type { JsonObject, JsonValue, RenderedScriptAction } from '@stroem/workflow';

/** The action body after claim-time rendering (script, source, args and env already rendered). */
export type RunnableAction = RenderedScriptAction;

/**
 * `type: docker` / `type: pod`: an image run as it is (reference §2.5). `command` wins over
 * `cmd`; `cmd` runs as `["sh", "-c", cmd]` (passed as arguments when there is an `entrypoint`);
 * with neither, the image's own command runs.
 */
export interface ContainerAction {
  image: string;
  entrypoint?: string[];
  command?: string[];
  cmd?: string;
}

/**
 * The host folders of a step's state and artifacts (reference §2.16). Each runner exposes them
 * its own way: host paths for the shell, bind mounts at `/state`, `/state-out`, `/global-state`,
 * `/global-state-out` and `/artifacts` in a container; pods do not get them (as upstream).
 */
export interface StepFolderPaths {
  stateDir: string;
  stateOutDir: string;
  globalStateDir: string;
  globalStateOutDir: string;
  artifactsDir: string;
}

/** The environment variables naming the step folders, for a runner that mounts them at `paths`. */
export function stepFolderEnv(paths: StepFolderPaths): Record<string, string> {
  return {
    STATE_DIR: paths.stateDir,
    STATE_OUT_DIR: paths.stateOutDir,
    GLOBAL_STATE_DIR: paths.globalStateDir,
    GLOBAL_STATE_OUT_DIR: paths.globalStateOutDir,
    ARTIFACTS_DIR: paths.artifactsDir,
  };
}

/** Who is running: exported to the process as `STROEM_*` variables. */
export interface StepIdentity {
  jobId: string;
  taskName: string;
  stepName: string;
  workspace: string;
}

export interface LogLine {
  stream: 'stdout' | 'stderr';
  text: string;
  at: Date;
}

export interface RunRequest {
  /** The script (`type: script`); for a container action only its `env` applies. */
  action: RunnableAction;
  /** `type: docker` / `type: pod`: the image to run as it is, instead of the script. */
  container?: ContainerAction;
  /** `runner: pod` / `type: pod`: deep-merged into the generated pod spec (rendered already). */
  manifest?: JsonObject;
  /** The workspace root: the working directory and the base of relative `source` paths. */
  workspaceDir: string;
  /** The workspace revision `workspaceDir` holds (pods fetch that revision themselves). */
  workspaceRevision?: string;
  /** Where the step's state and artifact folders are on this host, when it has them. */
  folders?: StepFolderPaths;
  step: StepIdentity;
  /** Kill the process group after this many seconds. */
  timeoutSeconds?: number;
  /** Aborting kills the process group; the result then reports `Job cancelled`. */
  signal?: AbortSignal;
  /** Called for every stdout/stderr line as it arrives. */
  onLog?: (line: LogLine) => void;
  /**
   * Called once the step started: the shell gives its pid (= its process group id), Docker the
   * container id, Kubernetes the pod name.
   */
  onStart?: (id: number | string) => void;
}

export interface RunResult {
  /** The process exit code; -1 when it was killed, timed out or could not start. */
  exitCode: number;
  /** The last valid `OUTPUT:` value, or null. */
  output: JsonValue;
  /** Everything the process wrote to stderr. */
  stderr: string;
  /** Set when the step failed: `Exit code: <n>\nStderr: <stderr>`, a timeout, a cancellation… */
  error?: string;
  state?: JsonObject;
  globalState?: JsonObject;
}

export interface Runner {
  run(request: RunRequest): Promise<RunResult>;
}
