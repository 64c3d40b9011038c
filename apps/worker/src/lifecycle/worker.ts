/**
 * The worker's life (reference §3.4 "Worker lifecycle"): register, heartbeat, and up to
 * `max_concurrent` claim slots. Each free slot keeps one long-poll claim parked at the server;
 * a slot that gets a step runs it and claims again once it is done. `stop()` ends claiming, lets
 * running steps finish for the drain time, then kills them and reports them failed.
 */
import { resolve } from 'node:path';
import type { Logger } from 'pino';
import type { WorkerConfig } from '../config/worker-config';
import { ServerApiError } from '../server-api/server-connection';
import { WorkerApiClient } from '../server-api/worker-api.client';
import type { ClaimResponse, ClaimedStep, RunningStep } from '../server-api/worker-protocol';
import { executeStep, type StepExecutionDeps } from '../step/step-execution';
import { buildRunners, prepareRunners, type StepRunners } from '../step/step-runners';
import { WorkspaceCache } from '../workspace/workspace-cache';
import { claimBackoffMs, exponentialBackoffMs, sleep } from './backoff';

export interface WorkerOptions {
  config: WorkerConfig;
  logger: Logger;
  version?: string;
  /** The runners per capability; default: built from the config's capabilities. */
  runners?: StepRunners;
  heartbeatIntervalMs?: number;
  cancelPollMs?: number;
  /** How long `stop()` lets running steps finish before killing them. Default: the config's. */
  drainTimeoutMs?: number;
  /** After the drain, how long reports (complete, logs) still get to reach the server. */
  finalReportTimeoutMs?: number;
  registerBackoffCapMs?: number;
}

/** An empty claim answer faster than this means the server did not park it (no long-poll). */
const PARKED_CLAIM_MIN_MS = 1_000;

export class Worker {
  private readonly config: WorkerConfig;
  private readonly client: WorkerApiClient;
  private readonly workspaces: WorkspaceCache;
  private readonly runners: StepRunners;
  private readonly baseLogger: Logger;
  private log: Logger;
  private workerId: string | undefined;
  private registering: Promise<void> | undefined;
  /** Aborted by `stop()`: parked claims, waits and the heartbeat end. */
  private readonly stopping = new AbortController();
  /** Aborted when the drain time is over: running steps are killed. */
  private readonly shutdown = new AbortController();
  /** Aborted when reports stop being retried. */
  private readonly giveUp = new AbortController();
  private loops: Promise<void>[] = [];
  private stopped: Promise<void> | undefined;
  /** Steps running now (from the claim's answer on), by `job/step`. */
  private readonly running = new Map<string, RunningStep>();

  constructor(private readonly options: WorkerOptions) {
    this.config = options.config;
    this.baseLogger = options.logger;
    this.log = options.logger;
    this.runners = options.runners ?? buildRunners(this.config);
    this.client = new WorkerApiClient({
      serverUrl: this.config.serverUrl,
      token: this.config.workerToken,
      requestTimeoutMs: this.config.requestTimeoutSecs * 1000,
      connectTimeoutMs: this.config.connectTimeoutSecs * 1000,
    });
    this.workspaces = new WorkspaceCache({
      client: this.client,
      rootDir: resolve(this.config.workspaceCacheDir),
      maxRetainedRevisions: this.config.maxRetainedRevisions,
      logger: this.baseLogger,
    });
  }

  get id(): string | undefined {
    return this.workerId;
  }

  /** Steps (`job/step`) running now. */
  get runningSteps(): string[] {
    return [...this.running.keys()];
  }

  /** Registers (retrying while the server is unreachable), then starts heartbeat and claim slots. */
  async start(): Promise<void> {
    await this.workspaces.init();
    if (this.config.capabilities.includes('agent')) {
      this.log.warn(
        { capabilities: this.config.capabilities },
        "this worker has no AI agent runner: agent steps it claims will fail; drop 'agent' from capabilities",
      );
    }
    await prepareRunners(this.runners, this.log);
    await this.register();
    if (this.stopping.signal.aborted) return;
    this.loops.push(this.heartbeatLoop());
    for (let slot = 0; slot < this.config.maxConcurrent; slot++)
      this.loops.push(this.claimLoop(slot));
  }

  /** Resolves once every loop has ended (after `stop()`). */
  async whenStopped(): Promise<void> {
    await Promise.all(this.loops);
  }

  /** Graceful stop: no new claims, drain, then kill what still runs and report it. Idempotent. */
  stop(): Promise<void> {
    this.stopped ??= this.doStop();
    return this.stopped;
  }

  private async doStop(): Promise<void> {
    const drainMs = this.options.drainTimeoutMs ?? this.config.drainTimeoutSecs * 1000;
    this.log.info(
      { running: this.runningSteps.length, drain_ms: drainMs },
      this.running.size > 0
        ? `stopping: no new claims; waiting up to ${drainMs / 1000}s for ${this.running.size} running step(s)`
        : 'stopping: no new claims',
    );
    this.stopping.abort();
    const all = Promise.all(this.loops);
    const drainOver = new AbortController();
    const drained = await Promise.race([
      all.then(() => true),
      sleep(drainMs, drainOver.signal).then(() => false),
    ]);
    drainOver.abort();
    if (!drained) {
      this.log.warn({ steps: this.runningSteps }, 'drain time over: killing running steps');
      this.shutdown.abort();
      const finalTimer = setTimeout(
        () => this.giveUp.abort(),
        this.options.finalReportTimeoutMs ?? 15_000,
      );
      await all;
      clearTimeout(finalTimer);
    }
    this.giveUp.abort();
    this.client.close();
    this.log.info('worker stopped');
  }

  private register(): Promise<void> {
    this.registering ??= this.registerWithRetry().finally(() => (this.registering = undefined));
    return this.registering;
  }

  private async registerWithRetry(): Promise<void> {
    const capMs = this.options.registerBackoffCapMs ?? 60_000;
    for (let attempt = 1; !this.stopping.signal.aborted; attempt++) {
      try {
        const answer = await this.client.register({
          name: this.config.workerName,
          capabilities: this.config.capabilities,
          tags: this.config.tags,
          exclusive: this.config.exclusive,
          version: this.options.version ?? '0.0.0',
        });
        this.workerId = answer.worker_id;
        this.log = this.baseLogger.child({ worker_id: answer.worker_id });
        this.log.info(
          {
            server_url: this.config.serverUrl,
            name: this.config.workerName,
            capabilities: this.config.capabilities,
            tags: this.config.tags,
            max_concurrent: this.config.maxConcurrent,
          },
          `registered with ${this.config.serverUrl} as '${this.config.workerName}'`,
        );
        return;
      } catch (err) {
        const waitMs = exponentialBackoffMs(attempt, 1_000, capMs);
        const status = err instanceof ServerApiError ? err.status : undefined;
        const why =
          status === 401 ? 'the server refused the worker_token (401)' : (err as Error).message;
        this.log.error(
          { attempt, status },
          `cannot register with ${this.config.serverUrl}: ${why}; retrying in ${waitMs / 1000}s`,
        );
        await sleep(waitMs, this.stopping.signal);
      }
    }
  }

  private async heartbeatLoop(): Promise<void> {
    const intervalMs = this.options.heartbeatIntervalMs ?? this.config.heartbeatIntervalSecs * 1000;
    while (await sleep(intervalMs, this.stopping.signal)) {
      const id = this.workerId;
      if (!id) continue;
      try {
        await this.client.heartbeat(id, [...this.running.values()]);
      } catch (err) {
        if (err instanceof ServerApiError && err.status === 404) {
          this.log.warn('the server does not know this worker any more; registering again');
          await this.reregister(id);
        } else {
          this.log.warn({ err: (err as Error).message }, 'heartbeat failed');
        }
      }
    }
  }

  /** Registers again unless another slot already did since `staleId` was current. */
  private async reregister(staleId: string): Promise<void> {
    if (this.workerId !== staleId && !this.registering) return;
    await this.register();
  }

  private async claimLoop(slot: number): Promise<void> {
    let failures = 0;
    let quickEmpty = 0;
    while (!this.stopping.signal.aborted) {
      const id = this.workerId;
      if (!id) {
        await this.register();
        continue;
      }
      const sentAt = Date.now();
      let answer: ClaimResponse;
      try {
        answer = await this.client.claim(
          {
            worker_id: id,
            capabilities: this.config.capabilities,
            tags: this.config.tags,
            exclusive: this.config.exclusive,
            wait_secs: this.config.claimWaitSecs,
          },
          this.stopping.signal,
          this.config.requestTimeoutSecs * 1000,
        );
        failures = 0;
      } catch (err) {
        if (this.stopping.signal.aborted) break;
        const status = err instanceof ServerApiError ? err.status : undefined;
        if (status === 404) {
          this.log.warn('claim: the server does not know this worker; registering again');
          await this.reregister(id);
          continue;
        }
        if (status === 422) {
          // The server could not render the step and has already failed it.
          this.log.warn(
            { err: (err as Error).message },
            'claimed step failed to render on the server',
          );
          continue;
        }
        failures++;
        const waitMs = claimBackoffMs(this.config.pollIntervalSecs, failures);
        this.log.warn(
          { slot, err: (err as Error).message },
          `claim failed; next attempt in ${waitMs / 1000}s`,
        );
        await sleep(waitMs, this.stopping.signal);
        continue;
      }

      if (!isClaimedStep(answer)) {
        if (Date.now() - sentAt < PARKED_CLAIM_MIN_MS) {
          quickEmpty++;
          await sleep(
            claimBackoffMs(this.config.pollIntervalSecs, quickEmpty),
            this.stopping.signal,
          );
        } else {
          quickEmpty = 0;
        }
        continue;
      }
      quickEmpty = 0;
      await this.runClaimed(answer);
    }
  }

  private async runClaimed(claim: ClaimedStep): Promise<void> {
    const key = `${claim.job_id}/${claim.step_name}`;
    this.running.set(key, { job_id: claim.job_id, step_name: claim.step_name });
    const deps: StepExecutionDeps = {
      client: this.client,
      workspaces: this.workspaces,
      runners: this.runners,
      workerName: this.config.workerName,
      workerId: () => this.workerId ?? '',
      logger: this.log,
      // Upstream asks every 5 s; one indexed lookup a second per running step is cheap and
      // makes a cancelled step stop within about a second.
      cancelPollMs: this.options.cancelPollMs ?? 1_000,
      shutdown: this.shutdown.signal,
      giveUp: this.giveUp.signal,
    };
    try {
      await executeStep(claim, deps);
    } catch (err) {
      // executeStep reports its own failures; this is a last guard for the claim loop.
      this.log.error(
        { err, job_id: claim.job_id, step: claim.step_name },
        'unexpected worker error',
      );
    } finally {
      this.running.delete(key);
    }
  }
}

function isClaimedStep(answer: ClaimResponse | undefined): answer is ClaimedStep {
  return !!answer && !!answer.job_id && !!answer.step_name && !!answer.workspace;
}
