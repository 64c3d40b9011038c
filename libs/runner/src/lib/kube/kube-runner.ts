/**
 * Runs a step as a Kubernetes pod (reference §1.13 KubeRunner): create the pod, wait for it to
 * start, follow the `step` container's log, read its exit code, always delete the pod.
 */
import { Writable } from 'node:stream';
import {
  CoreV1Api,
  KubeConfig,
  Log,
  type V1ContainerStatus,
  type V1Pod,
} from '@kubernetes/client-node';
import { StdoutProtocolCollector } from '@stroem/workflow';
import { LineSplitter } from '../line-splitter';
import type { RunRequest, RunResult, Runner } from '../runner';
import { ScriptSetupError } from '../script-command';
import { ManifestError, mergeManifest } from './manifest-merge';
import {
  buildPodSpec,
  labelValue,
  MANAGED_BY_LABEL,
  STEP_CONTAINER,
  WORKER_LABEL,
  type PodSpecOptions,
} from './pod-spec';

/** The pod options (tests' fixed name suffix and script id aside), plus how to reach the cluster. */
export interface KubeRunnerOptions extends Omit<PodSpecOptions, 'nameSuffix' | 'scriptId'> {
  kubeConfig: KubeConfig;
  /** How long a pod may stay Pending (unscheduled, images not there…). Default 600. */
  pendingTimeoutSecs?: number;
  /** How often the pod's status is read. Default 1000 ms. */
  pollIntervalMs?: number;
}

/** A kubeconfig file when given, else in-cluster or `$KUBECONFIG`/~/.kube/config. */
export function loadKubeConfig(path?: string): KubeConfig {
  const kc = new KubeConfig();
  if (path) kc.loadFromFile(path);
  else kc.loadFromDefault();
  return kc;
}

/** Waiting reasons that will not fix themselves: fail the step instead of waiting. */
const FAIL_FAST_REASONS = new Set([
  'ErrImagePull',
  'ImagePullBackOff',
  'ErrImageNeverPull',
  'InvalidImageName',
  'CreateContainerConfigError',
  'CreateContainerError',
]);
const DELETE_GRACE_SECONDS = 1;
const LOG_TAIL_LINES = 50;
const MAX_LOG_RECONNECTS = 5;
const API_CALL_TIMEOUT_MS = 15_000;

type Stop = 'cancel' | 'timeout';

/** Why the step ended before its container did. */
class StepFailure extends Error {}

interface LogState {
  collector: StdoutProtocolCollector;
  tail: string[];
  /** Timestamp key of the latest line seen. */
  lastKey?: string;
  /** After a reconnect: lines up to this key were passed on already. */
  skipUpTo?: string;
  lastTimestamp?: string;
  /** How many lines were passed on. */
  count: number;
}

export class KubeRunner implements Runner {
  private readonly core: CoreV1Api;
  private readonly pendingTimeoutSecs: number;
  private readonly pollIntervalMs: number;

  constructor(private readonly options: KubeRunnerOptions) {
    this.core = options.kubeConfig.makeApiClient(CoreV1Api);
    this.pendingTimeoutSecs = options.pendingTimeoutSecs ?? 600;
    this.pollIntervalMs = options.pollIntervalMs ?? 1000;
  }

  /** Fails with an operator-readable message when the API server cannot list pods. */
  async ping(): Promise<void> {
    const server = this.options.kubeConfig.getCurrentCluster()?.server ?? '(no cluster)';
    try {
      await withTimeout(
        this.core.listNamespacedPod({ namespace: this.options.namespace, limit: 1 }),
        API_CALL_TIMEOUT_MS,
      );
    } catch (err) {
      throw new Error(
        `Kubernetes API server ${server} did not answer listing pods in namespace ` +
          `'${this.options.namespace}': ${describeApiError(err)}. Check the kubeconfig, the ` +
          `network and the worker's RBAC.`,
      );
    }
  }

  /** Deletes the pods this worker left behind (e.g. after a crash). Returns how many. */
  async removeOrphans(): Promise<number> {
    const labelSelector = `${MANAGED_BY_LABEL}=stroem,${WORKER_LABEL}=${labelValue(this.options.workerName)}`;
    const pods = await this.core.listNamespacedPod({
      namespace: this.options.namespace,
      labelSelector,
    });
    let removed = 0;
    for (const pod of pods.items) {
      const name = pod.metadata?.name;
      if (name && (await this.deletePod(name))) removed++;
    }
    return removed;
  }

  async run(request: RunRequest): Promise<RunResult> {
    let pod: V1Pod;
    try {
      pod = mergeManifest(buildPodSpec(request, this.options), request.manifest);
    } catch (err) {
      if (err instanceof ManifestError || err instanceof ScriptSetupError)
        return failure(err.message);
      throw err;
    }
    const name = pod.metadata?.name ?? '';
    const namespace = this.options.namespace;
    if (request.signal?.aborted) return failure('Job cancelled');
    try {
      await withTimeout(
        this.core.createNamespacedPod({ namespace, body: pod }),
        API_CALL_TIMEOUT_MS,
      );
    } catch (err) {
      return failure(
        `Creating pod '${name}' in namespace '${namespace}' failed: ${describeApiError(err)}`,
      );
    }
    request.onStart?.(name);

    const logs: LogState = { collector: new StdoutProtocolCollector(), tail: [], count: 0 };
    const stop = stopper(request);
    try {
      return await this.follow(name, request, logs, stop.promise);
    } catch (err) {
      const partial = collected(logs);
      if (err instanceof StopSignal) {
        const error =
          err.reason === 'timeout'
            ? `Step timed out after ${request.timeoutSeconds}s`
            : 'Job cancelled';
        return { ...partial, exitCode: -1, error };
      }
      if (err instanceof StepFailure) return { ...partial, exitCode: -1, error: err.message };
      return {
        ...partial,
        exitCode: -1,
        error: `Kubernetes API error while running pod '${name}': ${describeApiError(err)}`,
      };
    } finally {
      stop.dispose();
      await this.deletePod(name).catch(() => false);
    }
  }

  private async follow(
    name: string,
    request: RunRequest,
    logs: LogState,
    stop: Promise<Stop>,
  ): Promise<RunResult> {
    await this.waitUntilStarted(name, stop);
    let terminated = await this.streamLogs(name, request, logs, stop);
    while (!terminated) terminated = await this.readTerminated(name, stop, true);
    await this.catchUpLog(name, request, logs);

    const code = terminated.exitCode;
    const partial = collected(logs);
    if (code === 0) return { ...partial, exitCode: 0 };
    // No separate stderr in Kubernetes: the log merges both streams, its tail stands in.
    const tail = logs.tail.join('\n');
    if (terminated.reason === 'OOMKilled') {
      return {
        ...partial,
        stderr: tail,
        exitCode: code,
        error:
          `Container killed: OOMKilled (memory limit exceeded; raise ` +
          `spec.containers[step].resources.limits.memory in the manifest)\nExit code: ${code}\nStderr: ${tail}`,
      };
    }
    return {
      ...partial,
      stderr: tail,
      exitCode: code,
      error: `Exit code: ${code}\nStderr: ${tail}`,
    };
  }

  /** Until the step container runs or ended; fails on Pending timeout and unfixable waits. */
  private async waitUntilStarted(name: string, stop: Promise<Stop>): Promise<void> {
    const pendingSince = Date.now();
    for (;;) {
      const pod = await this.readPod(name);
      const status = pod.status;
      const step = stepStatus(pod);
      if (step?.state?.running || step?.state?.terminated) return;
      const phase = status?.phase;
      const statuses = [
        ...(status?.initContainerStatuses ?? []),
        ...(status?.containerStatuses ?? []),
      ];
      const failedInit = (status?.initContainerStatuses ?? []).find(
        (s) => (s.state?.terminated?.exitCode ?? 0) !== 0,
      );
      if (failedInit) {
        const t = failedInit.state?.terminated;
        const log = await this.readLog(name, failedInit.name).catch(() => '');
        throw new StepFailure(
          `Init container '${failedInit.name}' failed with exit code ${t?.exitCode}` +
            `${t?.reason ? ` (${t.reason})` : ''}: ${log.trim() || t?.message || 'no output'}`,
        );
      }
      for (const s of statuses) {
        const waiting = s.state?.waiting;
        if (waiting?.reason && FAIL_FAST_REASONS.has(waiting.reason)) {
          throw new StepFailure(
            `Container '${s.name}' cannot start: ${waiting.reason}: ${waiting.message ?? ''}`.trimEnd(),
          );
        }
      }
      if (phase === 'Succeeded' || phase === 'Failed') {
        throw new StepFailure(
          `Pod '${name}' ended (${phase}) before its step container ran: ${podMessage(pod)}`,
        );
      }
      const initStarted = (status?.initContainerStatuses ?? []).some(
        (s) => s.state?.running || s.state?.terminated,
      );
      const waited = (Date.now() - pendingSince) / 1000;
      if (!initStarted && waited >= this.pendingTimeoutSecs) {
        throw new StepFailure(
          `Pod stayed Pending for ${this.pendingTimeoutSecs}s: ${pendingReason(pod)}`,
        );
      }
      await sleepUnlessStopped(this.pollIntervalMs, stop);
    }
  }

  /**
   * Follows the step container's log to its end, reconnecting when the stream closes while the
   * container still runs. Returns the container's terminated state when it is known.
   */
  private async streamLogs(
    name: string,
    request: RunRequest,
    logs: LogState,
    stop: Promise<Stop>,
  ): Promise<TerminatedState | undefined> {
    for (let attempt = 0; ; attempt++) {
      logs.skipUpTo = logs.lastKey;
      const splitter = new LineSplitter();
      const accept = (raw: string) => acceptLine(raw, logs, request);
      let finished!: () => void;
      const ended = new Promise<void>((resolve) => (finished = resolve));
      const sink = new Writable({
        write(chunk: Buffer, _encoding, callback) {
          for (const line of splitter.push(chunk.toString('utf8'))) accept(line);
          callback();
        },
        final(callback) {
          for (const line of splitter.flush()) accept(line);
          finished();
          callback();
        },
      });
      const controller = await new Log(this.options.kubeConfig).log(
        this.options.namespace,
        name,
        STEP_CONTAINER,
        sink,
        {
          follow: true,
          timestamps: true,
          ...(logs.lastTimestamp ? { sinceTime: logs.lastTimestamp } : {}),
        },
      );
      // The stream may also break without ending: watch the container meanwhile.
      const watching = { active: true };
      const outcome = await raceStop(
        Promise.race([
          ended.then(() => 'ended' as const),
          this.untilTerminated(name, stop, watching),
        ]),
        stop,
        () => controller.abort(),
      ).finally(() => (watching.active = false));
      if (outcome !== 'ended') {
        // The container ended; give the stream a moment to deliver the last lines.
        await Promise.race([ended, delay(3000)]);
        controller.abort();
        return outcome;
      }
      const terminated = await this.readTerminated(name, stop, false);
      if (terminated) return terminated;
      if (attempt >= MAX_LOG_RECONNECTS) return undefined;
      await sleepUnlessStopped(Math.min(250 * 2 ** attempt, 4000), stop);
    }
  }

  /**
   * A follow stream can stop before the runtime wrote a short-lived container's last lines (the
   * kubelet ends it when the container exits). Once the container ended its log is complete:
   * read it again and pass on the lines past those already seen.
   */
  private async catchUpLog(name: string, request: RunRequest, logs: LogState): Promise<void> {
    const full = await this.core.readNamespacedPodLog({
      name,
      namespace: this.options.namespace,
      container: STEP_CONTAINER,
    });
    const splitter = new LineSplitter();
    const lines = [...splitter.push(full), ...splitter.flush()];
    for (const line of lines.slice(logs.count)) emitLine(line, logs, request);
  }

  private async untilTerminated(
    name: string,
    stop: Promise<Stop>,
    watching: { active: boolean },
  ): Promise<TerminatedState | 'ended'> {
    while (watching.active) {
      await sleepUnlessStopped(this.pollIntervalMs, stop);
      if (!watching.active) break;
      const terminated = await this.readTerminated(name, stop, false);
      if (terminated) return terminated;
    }
    return 'ended';
  }

  /** The step container's terminated state, or undefined while it runs (waits when `wait`). */
  private async readTerminated(
    name: string,
    stop: Promise<Stop>,
    wait: boolean,
  ): Promise<TerminatedState | undefined> {
    if (wait) await sleepUnlessStopped(this.pollIntervalMs, stop);
    const pod = await this.readPod(name);
    const terminated = stepStatus(pod)?.state?.terminated;
    if (terminated) return { exitCode: terminated.exitCode, reason: terminated.reason };
    const phase = pod.status?.phase;
    if (phase === 'Succeeded') return { exitCode: 0 };
    if (phase === 'Failed') return { exitCode: -1, reason: podMessage(pod) };
    return undefined;
  }

  private async readPod(name: string): Promise<V1Pod> {
    try {
      return await withTimeout(
        this.core.readNamespacedPod({ name, namespace: this.options.namespace }),
        API_CALL_TIMEOUT_MS,
      );
    } catch (err) {
      if (apiStatus(err) === 404) {
        throw new StepFailure(
          `Pod '${name}' disappeared before the step finished (deleted or evicted by someone else)`,
        );
      }
      throw err;
    }
  }

  private async readLog(name: string, container: string): Promise<string> {
    return this.core.readNamespacedPodLog({
      name,
      namespace: this.options.namespace,
      container,
      tailLines: LOG_TAIL_LINES,
    });
  }

  /** True when this call deleted it; a pod already gone is fine. */
  private async deletePod(name: string): Promise<boolean> {
    try {
      await withTimeout(
        this.core.deleteNamespacedPod({
          name,
          namespace: this.options.namespace,
          gracePeriodSeconds: DELETE_GRACE_SECONDS,
        }),
        API_CALL_TIMEOUT_MS,
      );
      return true;
    } catch (err) {
      if (apiStatus(err) === 404) return false;
      throw err;
    }
  }
}

interface TerminatedState {
  exitCode: number;
  reason?: string;
}

function stepStatus(pod: V1Pod): V1ContainerStatus | undefined {
  return pod.status?.containerStatuses?.find((s) => s.name === STEP_CONTAINER);
}

/**
 * Kubernetes merges stderr into the container log with no marker, so every line is reported as
 * stdout (as upstream); `OUTPUT:`/`STATE:` lines written to stderr are therefore collected too.
 */
function acceptLine(raw: string, logs: LogState, request: RunRequest): void {
  const space = raw.indexOf(' ');
  const timestamp = space > 0 ? raw.slice(0, space) : '';
  const text = space > 0 ? raw.slice(space + 1) : raw;
  const key = timestampKey(timestamp);
  // Replayed by a reconnect's sinceTime (second precision). Only then: the two merged streams'
  // timestamps are not monotonic, so a first stream must not be filtered this way.
  if (key && logs.skipUpTo && key <= logs.skipUpTo) return;
  if (key && (!logs.lastKey || key > logs.lastKey)) {
    logs.lastKey = key;
    logs.lastTimestamp = timestamp;
  }
  emitLine(text, logs, request);
}

function emitLine(text: string, logs: LogState, request: RunRequest): void {
  logs.count++;
  logs.collector.accept(text);
  logs.tail.push(text);
  if (logs.tail.length > LOG_TAIL_LINES) logs.tail.shift();
  request.onLog?.({ stream: 'stdout', text, at: new Date() });
}

/** RFC3339Nano with trimmed zeros → a key that sorts like the instant it names. */
function timestampKey(timestamp: string): string | undefined {
  const match = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?Z$/.exec(timestamp);
  if (!match) return undefined;
  return `${match[1]}.${(match[2] ?? '').padEnd(9, '0')}`;
}

function collected(logs: LogState): Omit<RunResult, 'exitCode'> {
  return {
    output: logs.collector.output,
    stderr: '',
    state: logs.collector.state,
    globalState: logs.collector.globalState,
  };
}

function failure(error: string): RunResult {
  return { exitCode: -1, output: null, stderr: '', error };
}

function pendingReason(pod: V1Pod): string {
  const condition = pod.status?.conditions?.find(
    (c) => c.status !== 'True' && (c.reason || c.message),
  );
  if (condition)
    return `${condition.type}: ${[condition.reason, condition.message].filter(Boolean).join(': ')}`;
  const statuses = [
    ...(pod.status?.initContainerStatuses ?? []),
    ...(pod.status?.containerStatuses ?? []),
  ];
  const waiting = statuses.find((s) => s.state?.waiting?.reason);
  if (waiting) {
    const w = waiting.state?.waiting;
    return `container '${waiting.name}' waiting: ${[w?.reason, w?.message].filter(Boolean).join(': ')}`;
  }
  return pod.spec?.nodeName
    ? `node '${pod.spec.nodeName}' has not started it (is its kubelet running?)`
    : 'no node was assigned (is a scheduler running, and can any node take the pod?)';
}

function podMessage(pod: V1Pod): string {
  return [pod.status?.reason, pod.status?.message].filter(Boolean).join(': ') || 'no reason given';
}

/** The HTTP status of a client-node ApiException, if it is one. */
function apiStatus(err: unknown): number | undefined {
  if (err instanceof Error && 'code' in err && typeof err.code === 'number') return err.code;
  return undefined;
}

/** The API server's own message (its Status body) instead of the client's long dump. */
export function describeApiError(err: unknown): string {
  const status = apiStatus(err);
  if (status !== undefined && err instanceof Error && 'body' in err) {
    const body = err.body;
    let message = typeof body === 'string' ? body : JSON.stringify(body);
    try {
      const parsed = (typeof body === 'string' ? JSON.parse(body) : body) as { message?: string };
      if (parsed.message) message = parsed.message;
    } catch {
      // not JSON: keep the raw body
    }
    return `HTTP ${status}: ${message}`;
  }
  return err instanceof Error ? err.message : String(err);
}

class StopSignal extends Error {
  constructor(readonly reason: Stop) {
    super(reason);
  }
}

/** Resolves when the step is cancelled or times out; `dispose` clears the timer. */
function stopper(request: RunRequest): { promise: Promise<Stop>; dispose: () => void } {
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  const promise = new Promise<Stop>((resolve) => {
    onAbort = () => resolve('cancel');
    if (request.signal?.aborted) resolve('cancel');
    request.signal?.addEventListener('abort', onAbort, { once: true });
    if (request.timeoutSeconds !== undefined) {
      timer = setTimeout(() => resolve('timeout'), request.timeoutSeconds * 1000);
    }
  });
  return {
    promise,
    dispose: () => {
      if (timer) clearTimeout(timer);
      if (onAbort) request.signal?.removeEventListener('abort', onAbort);
    },
  };
}

/** `work`, unless the step is stopped first: then `onStop` runs and a StopSignal is thrown. */
async function raceStop<T>(work: Promise<T>, stop: Promise<Stop>, onStop?: () => void): Promise<T> {
  const result = await Promise.race([
    work.then((value) => ({ value })),
    stop.then((reason) => ({ reason })),
  ]);
  if ('reason' in result) {
    onStop?.();
    work.catch(() => undefined);
    throw new StopSignal(result.reason);
  }
  return result.value;
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

function sleepUnlessStopped(ms: number, stop: Promise<Stop>): Promise<void> {
  return raceStop(delay(ms), stop);
}

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms / 1000}s`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}
