/**
 * One claimed step, from workspace to `complete` (reference §3.4 "Worker lifecycle"). Whatever
 * goes wrong becomes the step's terminal report — a failed runner, a missing tarball, a bug in
 * the worker — and nothing is thrown to the claim loop.
 */
import type { Runner, RunResult } from '@stroem/runner';
import type { Logger } from 'pino';
import { retryTransient, sleep } from '../lifecycle/backoff';
import type { WorkerApiClient } from '../server-api/worker-api.client';
import type { ClaimedStep, CompleteStepRequest } from '../server-api/worker-protocol';
import type { WorkspaceCache, WorkspaceLease } from '../workspace/workspace-cache';
import { WorkspaceDownloadError } from '../workspace/workspace-cache';
import { stepRunPlanOf, UnsupportedStepError, type StepRunPlan } from './claimed-action';
import { EventSourceEmitter, eventSourceEnv } from './event-source-emitter';
import { LogBatcher } from './log-batcher';
import { ArtifactUploadError, uploadArtifacts } from './step-artifacts';
import {
  createStepFolders,
  downloadSnapshots,
  removeStepFolders,
  StateDownloadError,
  uploadSnapshots,
  type StepFolders,
} from './step-state';
import { runnerFor, type StepRunners } from './step-runners';

export const SHUTDOWN_ERROR = 'Worker shutting down';

export interface StepExecutionDeps {
  client: WorkerApiClient;
  workspaces: WorkspaceCache;
  /** The worker's runners, by the capability that brings each. */
  runners: StepRunners;
  workerName: string;
  workerId: () => string;
  logger: Logger;
  /** How often `GET /worker/jobs/{id}/cancelled` is asked while the step runs. */
  cancelPollMs: number;
  /** Aborted when the worker stops waiting for running steps: the step is killed. */
  shutdown: AbortSignal;
  /** Aborted when the worker stops retrying its reports to the server. */
  giveUp: AbortSignal;
  /**
   * How long the final log flush may retry; default: until `giveUp`, like the `complete` report
   * (the log queue is bounded, and the report waits for the logs to keep their order).
   */
  logFlushTimeoutMs?: number;
}

function failed(error: string): CompleteStepRequest {
  return { exit_code: -1, output: null, error };
}

export async function executeStep(claim: ClaimedStep, deps: StepExecutionDeps): Promise<void> {
  const log = deps.logger.child({ job_id: claim.job_id, step: claim.step_name });
  log.info(
    {
      workspace: claim.workspace,
      task: claim.task_name,
      action: claim.action_name,
      action_type: claim.action_type,
      revision: claim.revision ?? undefined,
    },
    `claimed step '${claim.step_name}'`,
  );
  const startedAt = Date.now();
  let report: CompleteStepRequest;
  try {
    report = await runStep(claim, deps, log);
  } catch (err) {
    log.error({ err }, 'the worker failed while running the step');
    report = failed(`Worker error: ${(err as Error).message ?? String(err)}`);
  }
  await reportCompletion(claim, report, deps, log);
  log.info(
    { exit_code: report.exit_code, duration_ms: Date.now() - startedAt },
    report.error === undefined
      ? `step '${claim.step_name}' succeeded`
      : `step '${claim.step_name}' failed: ${report.error.split('\n')[0]}`,
  );
}

async function runStep(
  claim: ClaimedStep,
  deps: StepExecutionDeps,
  log: Logger,
): Promise<CompleteStepRequest> {
  let plan: StepRunPlan;
  let runner: Runner;
  try {
    plan = stepRunPlanOf(claim);
    runner = runnerFor(plan, deps.runners, deps.workerName);
  } catch (err) {
    if (err instanceof UnsupportedStepError) return failed(err.message);
    throw err;
  }

  let lease: WorkspaceLease;
  try {
    lease = await deps.workspaces.acquire(claim.workspace, claim.revision ?? undefined);
  } catch (err) {
    if (err instanceof WorkspaceDownloadError) return failed(err.message);
    throw err;
  }

  let folders: StepFolders | undefined;
  try {
    try {
      await retryTransient(
        () => deps.client.startStep(claim.job_id, claim.step_name, deps.workerId()),
        {
          giveUp: deps.giveUp,
          // ~40 s: outlasts a database restart behind the server (503s) before giving up.
          capMs: 5_000,
          maxAttempts: 12,
          onRetry: (err, attempt, waitMs) =>
            log.warn(
              { err: (err as Error).message, attempt },
              `start report failed, retrying in ${waitMs} ms`,
            ),
        },
      );
    } catch (err) {
      return failed(`Could not report the step as started: ${(err as Error).message}`);
    }

    folders = await createStepFolders();
    try {
      await downloadSnapshots(claim, folders, deps.client, deps.giveUp);
    } catch (err) {
      if (err instanceof StateDownloadError) return failed(err.message);
      throw err;
    }
    let action = plan.request.action;

    const stop = new AbortController();
    let stoppedFor: 'cancelled' | 'shutdown' | undefined;
    const onShutdown = () => {
      stoppedFor ??= 'shutdown';
      stop.abort();
    };
    deps.shutdown.addEventListener('abort', onShutdown, { once: true });
    if (deps.shutdown.aborted) onShutdown();
    const watching = new AbortController();
    const watcher = watchCancellation(claim.job_id, deps, watching.signal, log, () => {
      stoppedFor ??= 'cancelled';
      stop.abort();
    });

    const batcher = new LogBatcher({
      client: deps.client,
      jobId: claim.job_id,
      stepName: claim.step_name,
      logger: log,
      giveUp: deps.giveUp,
    });
    const esConfig = claim.event_source_config ?? null;
    const emitter = esConfig
      ? new EventSourceEmitter(esConfig, claim.workspace, deps.client, log, deps.giveUp)
      : null;
    if (esConfig) action = { ...action, env: { ...action.env, ...eventSourceEnv(esConfig) } };
    let result: RunResult;
    try {
      result = await runner.run({
        ...plan.request,
        action,
        workspaceDir: lease.dir,
        workspaceRevision: lease.revision,
        folders,
        step: {
          jobId: claim.job_id,
          taskName: claim.task_name ?? '',
          stepName: claim.step_name,
          workspace: claim.workspace,
        },
        timeoutSeconds: claim.timeout_secs ?? undefined,
        signal: stop.signal,
        onLog: (line) => {
          batcher.push(line);
          emitter?.push(line);
        },
        onStart: (id) =>
          log.debug(
            typeof id === 'number' ? { pid: id } : { runner_id: id },
            `step started on the ${plan.capability} runner`,
          ),
      });
    } finally {
      deps.shutdown.removeEventListener('abort', onShutdown);
      watching.abort();
      await watcher;
      await emitter?.close();
      const flushed = await batcher.close(deps.logFlushTimeoutMs);
      log.debug(flushed, 'step logs flushed');
    }

    if (stoppedFor === 'shutdown') return failed(SHUTDOWN_ERROR);
    if (stoppedFor === 'cancelled') log.info('the job was cancelled; step process killed');
    // The process ran to its end (any exit code): its state counts; killed or timed out: not.
    if (stoppedFor === undefined && result.exitCode >= 0) {
      await uploadSnapshots(claim, folders, result, deps.client, log, deps.giveUp);
    }
    if (stoppedFor === undefined && result.exitCode === 0 && result.error === undefined) {
      try {
        await uploadArtifacts(
          folders.artifactsDir,
          { jobId: claim.job_id, stepName: claim.step_name },
          deps.client,
          log,
          deps.giveUp,
        );
      } catch (err) {
        if (err instanceof ArtifactUploadError) return failed(err.message);
        throw err;
      }
    }
    const report: CompleteStepRequest = {
      exit_code: result.exitCode,
      output: result.output ?? null,
    };
    if (result.error !== undefined) report.error = result.error;
    return report;
  } finally {
    lease.release();
    if (folders) await removeStepFolders(folders).catch(() => undefined);
  }
}

/** Polls `cancelled` until `done` aborts; calls `onCancelled` once when the job was cancelled. */
async function watchCancellation(
  jobId: string,
  deps: StepExecutionDeps,
  done: AbortSignal,
  log: Logger,
  onCancelled: () => void,
): Promise<void> {
  while (await sleep(deps.cancelPollMs, done)) {
    try {
      if (await deps.client.isCancelled(jobId)) {
        onCancelled();
        return;
      }
    } catch (err) {
      log.debug({ err: (err as Error).message }, 'cancellation check failed');
    }
  }
}

/** `complete` must arrive: transient failures are retried until the worker gives up at shutdown. */
async function reportCompletion(
  claim: ClaimedStep,
  report: CompleteStepRequest,
  deps: StepExecutionDeps,
  log: Logger,
): Promise<void> {
  try {
    await retryTransient(() => deps.client.completeStep(claim.job_id, claim.step_name, report), {
      giveUp: deps.giveUp,
      baseMs: 500,
      capMs: 15_000,
      onRetry: (err, attempt, waitMs) =>
        log.warn(
          { err: (err as Error).message, attempt },
          `complete report failed, retrying in ${waitMs} ms`,
        ),
    });
  } catch (err) {
    log.error(
      { err: (err as Error).message, exit_code: report.exit_code },
      'could not report the step result to the server',
    );
  }
}
