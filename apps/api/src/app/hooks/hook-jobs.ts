/**
 * Which hooks fire for a job and the jobs they become (reference §2.17.12, §2.15 `HookContext`):
 * pure rules over the job's rows and the workspace model.
 */
import type { JobEntity, JobStepEntity } from '@stroem/db';
import {
  prepareActionInput,
  renderInputMap,
  type HookDef,
  type HookEvent,
  type JsonObject,
  type JsonValue,
  type TaskDef,
  type WorkspaceConfig,
} from '@stroem/workflow';
import { orderSteps } from '../jobs/job-views';
import type { JobRequest } from '../orchestrator/job-creator.service';
import type { SuspendedStep } from '../dispatch/server-steps';

/** Jobs a person or a schedule started: only these fall back to workspace-level hooks. */
const TOP_LEVEL_SOURCES = new Set(['api', 'user', 'trigger', 'webhook', 'mcp', 'retry']);

/** The task name of a one-step hook job. */
export const HOOK_TASK_PREFIX = '_hook:';
/** The step name of a one-step hook job. */
export const HOOK_STEP = 'hook';

export function isHookTaskName(taskName: string): boolean {
  return taskName.startsWith(HOOK_TASK_PREFIX);
}

/** The hook event a terminal job fires; none for `skipped` jobs. */
export function terminalHookEvent(job: JobEntity): HookEvent | null {
  switch (job.status) {
    case 'completed':
      return 'on_success';
    case 'failed':
      return 'on_error';
    case 'cancelled':
      return 'on_cancel';
    default:
      return null;
  }
}

/**
 * The task's hooks for the event when it has any (sub-jobs too); otherwise the workspace's,
 * for top-level jobs only. Hook jobs never fire hooks.
 */
export function selectHooks(job: JobEntity, event: HookEvent, config: WorkspaceConfig): HookDef[] {
  if (job.sourceType === 'hook') return [];
  const own = config.tasks[job.taskName]?.[event] ?? [];
  if (own.length > 0) return own;
  return TOP_LEVEL_SOURCES.has(job.sourceType) ? config[event] : [];
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);

/** `hook` of on_success / on_error / on_cancel hooks. */
export function hookContext(job: JobEntity, steps: JobStepEntity[]): JsonObject {
  const failed = orderSteps(steps).filter((s) => s.status === 'failed');
  const messages = failed
    .filter((s) => s.errorMessage !== null)
    .map((s) => `Step '${s.stepName}': ${s.errorMessage}`);
  const duration =
    job.startedAt && job.completedAt
      ? (job.completedAt.getTime() - job.startedAt.getTime()) / 1000
      : null;
  return {
    workspace: job.workspace,
    task_name: job.taskName,
    job_id: job.jobId,
    status: job.status,
    is_success: job.status === 'completed',
    error_message: messages.length > 0 ? messages.join('; ') : null,
    source_type: job.sourceType,
    source_id: job.sourceId,
    started_at: iso(job.startedAt),
    completed_at: iso(job.completedAt),
    duration_secs: duration,
    failed_steps: failed.map((s) => ({
      step_name: s.stepName,
      action_name: s.actionName,
      error_message: s.errorMessage,
      continue_on_failure: s.continueOnFailure,
    })),
    artifacts: [],
  };
}

/** `hook` of on_suspended hooks: a different, smaller shape (reference §2.18 #7). */
export function suspendedHookContext(job: JobEntity, step: SuspendedStep): JsonObject {
  return {
    workspace: job.workspace,
    task_name: job.taskName,
    job_id: job.jobId,
    step_name: step.stepName,
    message: step.message,
    source_type: job.sourceType,
    source_id: job.sourceId,
  };
}

/**
 * The job one hook starts: the whole task of a `type: task` action, otherwise the one step
 * `hook` of `_hook:<action>` whose input is the rendered hook input with the action's defaults
 * and connections applied (upstream skips them, reference §5.3 #11).
 */
export function hookJobRequest(
  job: JobEntity,
  hook: HookDef,
  hookCtx: JsonObject,
  config: WorkspaceConfig,
): JobRequest {
  const action = config.actions[hook.action];
  if (!action) throw new Error(`action '${hook.action}' does not exist`);
  const input = renderInputMap(hook.input, { hook: hookCtx, secret: config.secrets });
  const common = { workspace: job.workspace, sourceType: 'hook', sourceId: job.jobId };
  if (action.type === 'task') {
    return { ...common, taskName: action.task ?? '', input };
  }
  const prepared: Record<string, JsonValue> = {
    ...input,
    ...prepareActionInput(action, {}, {}, input, config),
  };
  const task: TaskDef = {
    mode: 'distributed',
    input: {},
    flow: {
      [HOOK_STEP]: {
        action: hook.action,
        depends_on: [],
        input: prepared,
        continue_on_failure: false,
        sequential: false,
      },
    },
    on_success: [],
    on_error: [],
    on_suspended: [],
    on_cancel: [],
  };
  return { ...common, taskName: `${HOOK_TASK_PREFIX}${hook.action}`, input, task };
}
