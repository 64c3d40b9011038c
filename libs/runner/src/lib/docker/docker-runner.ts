/**
 * Runs a step in a container through the Docker Engine API (Docker or podman): `script` actions
 * with `runner: docker` in the runner image, `type: docker` actions in their own image. Every
 * container is removed after the step, whatever happened; labels let a restarted worker remove
 * what a crashed one left behind.
 */
import { PassThrough } from 'node:stream';
import Docker from 'dockerode';
import { StdoutProtocolCollector } from '@stroem/workflow';
import { LineSplitter } from '../line-splitter';
import type { LogLine, RunRequest, RunResult, Runner } from '../runner';
import { ScriptSetupError } from '../script-command';
import { buildContainerSpec, LABEL_MANAGED, LABEL_WORKER } from './container-spec';
import { DEFAULT_DOCKER_HOST, dockerConnectionOptions } from './docker-host';

export type DockerPullPolicy = 'always' | 'if_not_present' | 'never';

export interface DockerRunnerOptions {
  /** DOCKER_HOST form: unix:///path/docker.sock or tcp://host:port (http). Default: DOCKER_HOST env, else /var/run/docker.sock. */
  host?: string;
  /** The image `script` actions with runner: docker run in. */
  runnerImage: string;
  /** 'always' | 'if_not_present' (default) | 'never' */
  pullPolicy?: DockerPullPolicy;
  /** HostConfig.NetworkMode; default: the engine's default. */
  networkMode?: string;
  /** Labels every container `stroem.worker=<name>` so a restarted worker can remove what its crashed predecessor left. */
  workerName: string;
  /** A host folder mounted read-only at /etc/stroem/startup.d; its *.sh files are sourced before a script step. */
  startupDir?: string;
  /** SIGTERM → SIGKILL grace on cancel/timeout, default 5 s. */
  killGraceSecs?: number;
}

/** A failure whose message is the step error as it is. */
class StepError extends Error {}

type StopReason = 'timeout' | 'cancel';

/** Cancel (the request's signal) and timeout, whichever comes first. */
class StepStop {
  reason: StopReason | undefined;
  private readonly listeners: Array<() => void> = [];
  private readonly timer: NodeJS.Timeout | undefined;
  private readonly onAbort = () => this.trigger('cancel');

  constructor(private readonly request: RunRequest) {
    if (request.signal?.aborted) this.reason = 'cancel';
    request.signal?.addEventListener('abort', this.onAbort, { once: true });
    this.timer =
      request.timeoutSeconds !== undefined
        ? setTimeout(() => this.trigger('timeout'), request.timeoutSeconds * 1000)
        : undefined;
  }

  /** Calls `listener` once on the stop, or now when it already happened. */
  onStop(listener: () => void): void {
    if (this.reason) listener();
    else this.listeners.push(listener);
  }

  /** Settles with the reason when the step is stopped; never rejects. */
  get stopped(): Promise<StopReason> {
    return new Promise((resolve) => this.onStop(() => resolve(this.reason ?? 'cancel')));
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.request.signal?.removeEventListener('abort', this.onAbort);
  }

  private trigger(reason: StopReason): void {
    if (this.reason) return;
    this.reason = reason;
    for (const listener of this.listeners.splice(0)) listener();
  }
}

interface Outcome {
  collector: StdoutProtocolCollector;
  stderr: string;
  exitCode?: number;
  /** Set when a cancel or timeout ended the step before the container exited by itself. */
  stopped?: StopReason;
}

/** After the container exited, how long its output stream may take to end. */
const OUTPUT_DRAIN_MS = 2000;

export class DockerRunner implements Runner {
  private readonly docker: Docker;
  private readonly host: string;
  private readonly pullPolicy: DockerPullPolicy;
  private readonly killGraceSecs: number;

  constructor(private readonly options: DockerRunnerOptions) {
    this.host = options.host ?? process.env['DOCKER_HOST'] ?? DEFAULT_DOCKER_HOST;
    this.docker = new Docker(dockerConnectionOptions(this.host));
    this.pullPolicy = options.pullPolicy ?? 'if_not_present';
    this.killGraceSecs = options.killGraceSecs ?? 5;
  }

  /** Throws when the engine does not answer, naming the host. */
  async ping(): Promise<void> {
    const docker = new Docker({ ...dockerConnectionOptions(this.host), timeout: 10_000 });
    try {
      await docker.ping();
    } catch (err) {
      throw new Error(
        `${unreachable(this.host, err)} (is the engine running, and does the worker's Docker host ` +
          'setting or DOCKER_HOST point at it?)',
      );
    }
  }

  /** Removes every container labelled with this worker's name; returns how many. */
  async removeOrphans(): Promise<number> {
    try {
      const containers = await this.docker.listContainers({
        all: true,
        filters: { label: [`${LABEL_MANAGED}=true`, `${LABEL_WORKER}=${this.options.workerName}`] },
      });
      for (const info of containers) {
        await this.removeContainer(this.docker.getContainer(info.Id));
      }
      return containers.length;
    } catch (err) {
      throw new Error(
        `Removing the containers left by worker '${this.options.workerName}' failed: ${this.describe(err)}`,
      );
    }
  }

  async run(request: RunRequest): Promise<RunResult> {
    const stop = new StepStop(request);
    const outcome: Outcome = { collector: new StdoutProtocolCollector(), stderr: '' };
    try {
      await this.execute(request, stop, outcome);
      return toResult(outcome, request);
    } catch (err) {
      return { ...toResult(outcome, request), exitCode: -1, error: this.describe(err) };
    } finally {
      stop.dispose();
    }
  }

  private async execute(request: RunRequest, stop: StepStop, outcome: Outcome): Promise<void> {
    let spec;
    try {
      spec = buildContainerSpec(request, this.options);
    } catch (err) {
      if (err instanceof ScriptSetupError) throw new StepError(err.message);
      throw err;
    }
    const stoppedNow = () => {
      outcome.stopped = stop.reason;
      return outcome.stopped !== undefined;
    };
    if (stoppedNow()) return;
    await Promise.race([this.ensureImage(spec.image), stop.stopped]);
    if (stoppedNow()) return;

    const container = await this.docker.createContainer(spec.create);
    try {
      if (stoppedNow()) return;
      let drained: Promise<void>;
      try {
        // Attached before start, so not a line of output is lost. podman already prepares the
        // container's process here, so a missing executable fails at this point.
        const stream = await container.attach({ stream: true, stdout: true, stderr: true });
        drained = this.collectOutput(stream, request, outcome);
        if (stoppedNow()) return;
        await container.start();
      } catch (err) {
        if (isConnectionError(err)) throw err;
        throw new StepError(
          `Container for step '${request.step.stepName}' (image '${spec.image}') failed to start: ${engineMessage(err)}`,
        );
      }
      request.onStart?.(container.id);
      // podman answers a wait issued before start with -1, so it comes after start.
      const exited = container.wait() as Promise<{ StatusCode: number }>;
      stop.onStop(() => {
        container.stop({ t: this.killGraceSecs }).catch(() => undefined);
      });
      const { StatusCode } = await exited;
      outcome.exitCode = StatusCode;
      stoppedNow();
      await Promise.race([drained, delay(OUTPUT_DRAIN_MS)]);
    } finally {
      await this.removeContainer(container);
    }
  }

  /** Settles once `image` is usable under the pull policy. */
  private async ensureImage(image: string): Promise<void> {
    if (this.pullPolicy !== 'always') {
      if (await this.imageExists(image)) return;
      if (this.pullPolicy === 'never') {
        throw new StepError(`Image '${image}' not found locally and pull_policy is never`);
      }
    }
    await this.pull(image);
  }

  private async imageExists(image: string): Promise<boolean> {
    try {
      await this.docker.getImage(image).inspect();
      return true;
    } catch (err) {
      if (statusCode(err) === 404) return false;
      throw err;
    }
  }

  private async pull(image: string): Promise<void> {
    let stream: NodeJS.ReadableStream;
    try {
      stream = await this.docker.pull(image);
    } catch (err) {
      if (isConnectionError(err)) throw err;
      throw new StepError(`Failed to pull image '${image}': ${engineMessage(err)}`);
    }
    // Pull failures arrive as `error` events in the progress stream, with HTTP 200.
    const events = await new Promise<PullEvent[]>((resolve, reject) =>
      this.docker.modem.followProgress(stream, (err: Error | null, output: PullEvent[]) =>
        err ? reject(err) : resolve(output),
      ),
    );
    const failed = events.find((event) => event.error !== undefined);
    if (failed) throw new StepError(`Failed to pull image '${image}': ${failed.error}`);
  }

  /** Splits the multiplexed stream into lines for onLog; settles when the stream ends. */
  private collectOutput(
    stream: NodeJS.ReadWriteStream,
    request: RunRequest,
    outcome: Outcome,
  ): Promise<void> {
    const emit = (source: LogLine['stream'], text: string) => {
      if (source === 'stdout') outcome.collector.accept(text);
      request.onLog?.({ stream: source, text, at: new Date() });
    };
    const channel = (source: LogLine['stream']) => {
      const pass = new PassThrough();
      const splitter = new LineSplitter();
      pass.setEncoding('utf8');
      pass.on('data', (chunk: string) => {
        if (source === 'stderr') outcome.stderr += chunk;
        for (const line of splitter.push(chunk)) emit(source, line);
      });
      return {
        pass,
        flush: () => {
          for (const line of splitter.flush()) emit(source, line);
        },
      };
    };
    const stdout = channel('stdout');
    const stderr = channel('stderr');
    this.docker.modem.demuxStream(stream, stdout.pass, stderr.pass);
    return new Promise((resolve) => {
      let done = false;
      const finish = () => {
        if (done) return;
        done = true;
        // Let the PassThroughs hand over what they buffered before the last lines are flushed.
        setImmediate(() => {
          stdout.flush();
          stderr.flush();
          resolve();
        });
      };
      stream.on('end', finish);
      stream.on('close', finish);
      stream.on('error', finish);
    });
  }

  private async removeContainer(container: Docker.Container): Promise<void> {
    try {
      await container.remove({ force: true, v: true });
    } catch (err) {
      // Already gone (404) or being removed (409): either way it will not linger.
      const code = statusCode(err);
      if (code !== 404 && code !== 409) throw err;
    }
  }

  private describe(err: unknown): string {
    if (err instanceof StepError) return err.message;
    if (isConnectionError(err)) return unreachable(this.host, err);
    return `Docker engine at ${this.host} failed: ${engineMessage(err)}`;
  }
}

interface PullEvent {
  status?: string;
  error?: string;
}

function toResult(outcome: Outcome, request: RunRequest): RunResult {
  const stopped = outcome.stopped;
  const base = {
    output: outcome.collector.output,
    stderr: outcome.stderr,
    state: outcome.collector.state,
    globalState: outcome.collector.globalState,
  };
  if (stopped === 'timeout') {
    return { ...base, exitCode: -1, error: `Step timed out after ${request.timeoutSeconds}s` };
  }
  if (stopped === 'cancel') return { ...base, exitCode: -1, error: 'Job cancelled' };
  const code = outcome.exitCode ?? -1;
  if (code === 0) return { ...base, exitCode: 0 };
  return { ...base, exitCode: code, error: `Exit code: ${code}\nStderr: ${outcome.stderr}` };
}

function unreachable(host: string, err: unknown): string {
  return `Docker engine at ${host} is not reachable: ${err instanceof Error ? err.message : String(err)}`;
}

/** A socket-level failure (ECONNREFUSED, ENOENT, ETIMEDOUT…): nothing answered. */
function isConnectionError(err: unknown): boolean {
  if (typeof err !== 'object' || err === null || statusCode(err) !== undefined) return false;
  const code = 'code' in err ? (err as { code: unknown }).code : undefined;
  return (typeof code === 'string' && code.startsWith('E')) || /timeout/i.test(String(err));
}

/** The HTTP status of a dockerode error; undefined for a connection-level failure. */
function statusCode(err: unknown): number | undefined {
  if (typeof err === 'object' && err !== null && 'statusCode' in err) {
    const code = (err as { statusCode: unknown }).statusCode;
    return typeof code === 'number' ? code : undefined;
  }
  return undefined;
}

/** The engine's own message (`json.message`) rather than dockerode's "(HTTP code …)" wrapper. */
function engineMessage(err: unknown): string {
  if (typeof err === 'object' && err !== null && 'json' in err) {
    const json = (err as { json: unknown }).json;
    if (typeof json === 'object' && json !== null && 'message' in json) {
      const message = (json as { message: unknown }).message;
      if (typeof message === 'string') return message;
    }
  }
  const text = err instanceof Error ? err.message : String(err);
  return text.replace(/^\(HTTP code \d+\) [^-]*- /, '').trim();
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
