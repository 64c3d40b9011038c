/** The seam between "a step must run" and how: a local shell, a container, a pod. */
import type { JsonObject, JsonValue, RenderedScriptAction } from '@stroem/workflow';

/** The action body after claim-time rendering (script, source, args and env already rendered). */
export type RunnableAction = RenderedScriptAction;

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
  action: RunnableAction;
  /** The workspace root: the working directory and the base of relative `source` paths. */
  workspaceDir: string;
  step: StepIdentity;
  /** Kill the process group after this many seconds. */
  timeoutSeconds?: number;
  /** Aborting kills the process group; the result then reports `Job cancelled`. */
  signal?: AbortSignal;
  /** Called for every stdout/stderr line as it arrives. */
  onLog?: (line: LogLine) => void;
  /** Called once the process started, with its pid (= its process group id). */
  onStart?: (pid: number) => void;
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
