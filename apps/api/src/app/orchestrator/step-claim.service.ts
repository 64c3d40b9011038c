import { Injectable, Logger } from '@nestjs/common';
import { ClaimRepository, JobRepository, type ClaimedStep, type ClaimRequest } from '@stroem/db';
import {
  claimContext,
  type ActionDef,
  type JsonObject,
  type JsonValue,
  type StepView,
} from '@stroem/workflow';
import { isDatabaseUnavailable } from '../errors/database-unavailable';
import { unprocessable } from '../errors/domain-errors';
import { ServerMetrics } from '../health/server-metrics.service';
import { eventSourceClaimConfig } from '../event-sources/event-source-config';
import { isHookTaskName } from '../hooks/hook-jobs';
import { StateSnapshotsService } from '../state/state-snapshots.service';
import { WorkspaceRegistry } from '../workspace/workspace-registry.service';
import { renderClaimedAction, templateErrorMessage, type RenderedAction } from './action-rendering';
import { StepCompletionService } from './step-completion.service';

/** The claim response of reference §3.4 (work found). */
export interface ClaimedWork {
  workspace: string;
  job_id: string;
  task_name: string;
  step_name: string;
  action_name: string;
  action_type: string;
  action_image: string | null;
  action_spec: JsonObject;
  input: JsonObject;
  runner: string;
  timeout_secs: number | null;
  revision: string | null;
  /** Event-source consumer jobs only: the consumer settings, `env` rendered (§2.17.9). */
  event_source_config?: JsonObject;
  /** The latest task / global state snapshots at claim time (§2.16), when there are any. */
  state_storage_key?: string;
  state_has_json?: boolean;
  global_state_storage_key?: string;
  global_state_has_json?: boolean;
}

/** The snapshots a claimed step sees: their keys for the worker, their JSON for templates. */
interface ClaimState {
  fields: Pick<
    ClaimedWork,
    'state_storage_key' | 'state_has_json' | 'global_state_storage_key' | 'global_state_has_json'
  >;
  context: { state?: JsonObject; global_state?: JsonObject };
}

/**
 * Hands a ready step to a worker: the one-statement claim, then claim-time rendering. A render
 * error fails the step (and so the job, through orchestration) and answers 422.
 */
@Injectable()
export class StepClaimService {
  constructor(
    private readonly claims: ClaimRepository,
    private readonly jobs: JobRepository,
    private readonly workspaces: WorkspaceRegistry,
    private readonly completion: StepCompletionService,
    private readonly metrics: ServerMetrics,
    private readonly state: StateSnapshotsService,
  ) {}

  private readonly logger = new Logger(StepClaimService.name);

  /** `gone` aborts when the worker's connection closed: a step claimed meanwhile goes back. */
  async claim(req: ClaimRequest, gone?: AbortSignal): Promise<ClaimedWork | null> {
    const claimed = await this.claims.claim(req);
    if (!claimed) return null;
    try {
      return await this.prepare(claimed, req, gone);
    } catch (err) {
      // The step is marked running but the worker gets a 503, not the step: give it back once
      // the database answers again, or it would stay running for a worker that never ran it.
      if (isDatabaseUnavailable(err)) {
        this.releaseWhenBack(claimed.step.jobId, claimed.step.stepName, req.workerId);
      }
      throw err;
    }
  }

  private async prepare(
    claimed: ClaimedStep,
    req: ClaimRequest,
    gone: AbortSignal | undefined,
  ): Promise<ClaimedWork | null> {
    const { step } = claimed;
    // Claimable since it became ready, or since its retry delay ran out; both database times.
    const claimable =
      step.retryAt && step.readyAt && step.retryAt > step.readyAt ? step.retryAt : step.readyAt;
    this.metrics.stepClaimed(claimable, step.startedAt);
    let rendered: RenderedAction & { state: ClaimState['fields'] };
    let eventSource: JsonObject | null;
    const workspace = step.actionWorkspace ?? claimed.workspace;
    try {
      const state = await this.claimState(workspace, claimed.taskName);
      rendered = await this.render(claimed, state);
      eventSource = this.eventSourceConfig(claimed);
    } catch (err) {
      // Not a template error: the step must not fail for it.
      if (isDatabaseUnavailable(err)) throw err;
      const message = templateErrorMessage(err);
      await this.completion.fail(step.jobId, step.stepName, message);
      throw unprocessable(`Step '${step.stepName}' of job ${step.jobId}: ${message}`);
    }
    if (gone?.aborted) {
      await this.release(step.jobId, step.stepName, req.workerId);
      return null;
    }
    await this.claims.savePreparedInput(step.jobId, step.stepName, rendered.input);
    return {
      ...(eventSource ? { event_source_config: eventSource } : {}),
      ...rendered.state,
      workspace,
      job_id: step.jobId,
      task_name: claimed.taskName,
      step_name: step.stepName,
      action_name: step.actionName,
      action_type: step.actionType,
      action_image: rendered.image,
      action_spec: rendered.spec,
      input: rendered.input,
      runner: step.runner,
      timeout_secs: step.timeoutSecs,
      revision: step.actionRevision ?? claimed.revision,
    };
  }

  /** `release`, retried every second (up to 5 minutes) while the database is unreachable. */
  private releaseWhenBack(jobId: string, stepName: string, workerId: string, attempt = 1): void {
    const timer = setTimeout(() => {
      this.release(jobId, stepName, workerId).then(
        () => this.logger.log(`job ${jobId}: step '${stepName}' given back after a failed claim`),
        (err: unknown) => {
          if (attempt < 300 && isDatabaseUnavailable(err)) {
            this.releaseWhenBack(jobId, stepName, workerId, attempt + 1);
          } else {
            this.logger.error(
              `job ${jobId}: could not give step '${stepName}' back after a failed claim: ${(err as Error).message}; the worker's heartbeat gives it back later`,
            );
          }
        },
      );
    }, 1000);
    timer.unref();
  }

  /** Puts a claimed step back to `ready` when its answer cannot reach the worker any more. */
  async release(jobId: string, stepName: string, workerId: string): Promise<void> {
    await this.claims.release(jobId, stepName, workerId);
  }

  private eventSourceConfig(claimed: ClaimedStep): JsonObject | null {
    const secrets = this.workspaces.get(claimed.workspace)?.current?.config.secrets ?? {};
    return eventSourceClaimConfig(claimed.jobInput, secrets);
  }

  /**
   * The latest snapshots, resolved now so later steps of a job see what earlier ones wrote. Keyed
   * by the workspace the worker is told (the action owner's for a cross-workspace step), so the
   * worker's download and upload address the same state.
   */
  private async claimState(workspace: string, task: string): Promise<ClaimState> {
    const [own, global] = await Promise.all([
      this.state.latest({ workspace, task }),
      this.state.latest({ workspace, global: true }),
    ]);
    const fields: ClaimState['fields'] = {};
    const context: ClaimState['context'] = {};
    if (own) {
      fields.state_storage_key = own.storageKey;
      fields.state_has_json = own.hasJson;
      const json = await this.state.stateJson(own);
      if (json) context.state = json;
    }
    if (global) {
      fields.global_state_storage_key = global.storageKey;
      fields.global_state_has_json = global.hasJson;
      const json = await this.state.stateJson(global);
      if (json) context.global_state = json;
    }
    return { fields, context };
  }

  private async render(
    claimed: ClaimedStep,
    state: ClaimState,
  ): Promise<RenderedAction & { state: ClaimState['fields'] }> {
    const { step } = claimed;
    // A cross-workspace step renders with its owner's secrets and connections.
    const owner = step.actionWorkspace ?? claimed.workspace;
    const config = this.workspaces.get(owner)?.current?.config;
    if (!config) throw new Error(`workspace '${owner}' is not loaded`);
    const rows = (await this.jobs.findWithSteps(step.jobId))?.steps ?? [];
    const views = new Map<string, StepView>(
      rows.map((r) => [r.stepName, { status: r.status, output: r.output ?? undefined }]),
    );
    const loop =
      step.loopSource !== null
        ? {
            item: step.loopItem as JsonValue,
            index: step.loopIndex ?? 0,
            total: step.loopTotal ?? 0,
          }
        : undefined;
    const context = { ...claimContext(claimed.jobInput, views, config, loop), ...state.context };
    const rendered = renderClaimedAction(
      step.actionSpec as unknown as ActionDef,
      step.input ?? {},
      context,
      claimed.jobInput,
      config,
      isHookTaskName(claimed.taskName),
    );
    return { ...rendered, state: state.fields };
  }
}
