/**
 * The steps the server runs itself once they are ready (reference §2.17.7, §2.17.8): a
 * `type: task` step becomes `running` with its prepared input and asks for a child job; an
 * approval step becomes `suspended` with its rendered message. Pure rules on a step row; the
 * caller creates the child jobs and fires `on_suspended` hooks after the transaction.
 */
import type { JobStepEntity } from '@stroem/db';
import {
  prepareActionInput,
  renderInputMap,
  renderTemplate,
  type ActionDef,
  type JsonObject,
  type RenderContext,
  type WorkspaceConfig,
} from '@stroem/workflow';

/** A `type: task` step just marked running: create this child job for it. */
export interface ChildJobRequest {
  stepName: string;
  taskName: string;
  input: JsonObject;
}

/** An approval step just suspended: fire `on_suspended` hooks with this message. */
export interface SuspendedStep {
  stepName: string;
  message: string;
}

export type ServerStepResult =
  | { kind: 'child'; child: ChildJobRequest }
  | { kind: 'suspended'; suspended: SuspendedStep }
  | { kind: 'failed'; error: string };

export const MAX_TASK_DEPTH = 10;

export function nestingDepthError(): string {
  return `Maximum task nesting depth (${MAX_TASK_DEPTH}) exceeded (sub-jobs and hook jobs count)`;
}

function templateError(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return message.startsWith('template') ? message : `template error: ${message}`;
}

/** The `when` context plus `each` for a loop instance: what task and approval steps see. */
export function serverStepContext(whenContext: RenderContext, row: JobStepEntity): RenderContext {
  if (row.loopSource === null) return whenContext;
  return {
    ...whenContext,
    each: { item: row.loopItem, index: row.loopIndex ?? 0, total: row.loopTotal ?? 0 },
  };
}

/** Changes the ready row in place: `running` (task), `suspended` (approval), or says why not. */
export function dispatchServerStep(
  row: JobStepEntity,
  context: RenderContext,
  jobInput: JsonObject,
  config: WorkspaceConfig,
  now: Date,
): ServerStepResult {
  const action = row.actionSpec as unknown as ActionDef;
  if (row.actionType === 'task') {
    let input: JsonObject;
    try {
      input = prepareActionInput(action, row.input ?? {}, context, jobInput, config);
    } catch (err) {
      return { kind: 'failed', error: templateError(err) };
    }
    row.input = input;
    row.status = 'running';
    row.startedAt = row.startedAt ?? now;
    return { kind: 'child', child: { stepName: row.stepName, taskName: action.task ?? '', input } };
  }
  let message: string;
  try {
    const stepInput = row.input ?? {};
    const hasInput = Object.keys(stepInput).length > 0;
    const rendered = hasInput ? renderInputMap(stepInput, context) : stepInput;
    message = renderTemplate(
      action.message ?? '',
      hasInput ? { ...context, input: rendered } : context,
    );
    row.input = rendered;
  } catch (err) {
    return { kind: 'failed', error: templateError(err) };
  }
  row.status = 'suspended';
  row.suspendedAt = now;
  row.output = { approval_message: message };
  return { kind: 'suspended', suspended: { stepName: row.stepName, message } };
}
