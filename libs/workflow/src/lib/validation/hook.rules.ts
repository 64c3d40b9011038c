import type { HookDef } from '../model/workflow.model';
import { HOOK_EVENTS } from '../model/workflow.model';
import type { ValidationContext } from './validation-context';

/** Task and workspace hooks (reference §2.9): the action exists and does not rerun its own task. */
export function hookRules(ctx: ValidationContext): void {
  for (const [taskName, task] of Object.entries(ctx.config.tasks)) {
    for (const event of HOOK_EVENTS) {
      task[event].forEach((hook, i) =>
        hookRule(ctx, ['tasks', taskName, event, i], hook, taskName),
      );
    }
  }
  for (const event of HOOK_EVENTS) {
    ctx.config[event].forEach((hook, i) => hookRule(ctx, [event, i], hook));
  }
}

function hookRule(
  ctx: ValidationContext,
  path: ReadonlyArray<string | number>,
  hook: HookDef,
  ownerTask?: string,
): void {
  const actionPath = [...path, 'action'];
  ctx.checkReference('action', hook.action, actionPath);
  const action = ctx.config.actions[hook.action];
  if (action?.type !== 'task' || action.task === undefined) return;
  if (action.task === ownerTask) {
    ctx.error(
      actionPath,
      `action '${hook.action}' runs task '${ownerTask}', the task this hook belongs to (self-reference)`,
    );
  } else if (
    ctx.options.knownWorkspaces !== undefined &&
    !Object.hasOwn(ctx.config.tasks, action.task) &&
    action.task.includes('.')
  ) {
    ctx.error(
      actionPath,
      `hook action '${hook.action}' runs task '${action.task}' of another workspace; hooks cannot run tasks across workspaces`,
    );
  }
}
