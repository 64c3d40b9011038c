import { Injectable } from '@nestjs/common';
import { ClaimRepository, JobRepository, type ClaimedStep, type ClaimRequest } from '@stroem/db';
import {
  claimContext,
  type ActionDef,
  type JsonObject,
  type JsonValue,
  type StepView,
} from '@stroem/workflow';
import { unprocessable } from '../errors/domain-errors';
import { eventSourceClaimConfig } from '../event-sources/event-source-config';
import { isHookTaskName } from '../hooks/hook-jobs';
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
  ) {}

  /** `gone` aborts when the worker's connection closed: a step claimed meanwhile goes back. */
  async claim(req: ClaimRequest, gone?: AbortSignal): Promise<ClaimedWork | null> {
    const claimed = await this.claims.claim(req);
    if (!claimed) return null;
    const { step } = claimed;
    let rendered: RenderedAction;
    let eventSource: JsonObject | null;
    try {
      rendered = await this.render(claimed);
      eventSource = this.eventSourceConfig(claimed);
    } catch (err) {
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
      workspace: step.actionWorkspace ?? claimed.workspace,
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

  /** Puts a claimed step back to `ready` when its answer cannot reach the worker any more. */
  async release(jobId: string, stepName: string, workerId: string): Promise<void> {
    await this.claims.release(jobId, stepName, workerId);
  }

  private eventSourceConfig(claimed: ClaimedStep): JsonObject | null {
    const secrets = this.workspaces.get(claimed.workspace)?.current?.config.secrets ?? {};
    return eventSourceClaimConfig(claimed.jobInput, secrets);
  }

  private async render(claimed: ClaimedStep): Promise<RenderedAction> {
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
    const context = claimContext(claimed.jobInput, views, config, loop);
    return renderClaimedAction(
      step.actionSpec as unknown as ActionDef,
      step.input ?? {},
      context,
      claimed.jobInput,
      config,
      isHookTaskName(claimed.taskName),
    );
  }
}
