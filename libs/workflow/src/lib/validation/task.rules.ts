import { findCycle } from '../dag/dag';
import type { FlowStep, TaskDef } from '../model/workflow.model';
import { MAX_FOR_EACH_ITEMS } from '../template/for-each';
import { checkTemplateSyntax } from '../template/render';
import { retryProblems } from './action.rules';
import { nameCollisions } from './name-collisions';
import { didYouMean } from '../suggest';
import type { ValidationContext } from './validation-context';

/** Upstream's caps, shared with the server's default step/job timeouts. */
const MAX_STEP_TIMEOUT_SECS = 86_400;
const MAX_TASK_TIMEOUT_SECS = 604_800;

/** Tasks and their flows (reference §2.6–§2.8, §2.13). */
export function taskRules(ctx: ValidationContext): void {
  for (const [taskName, task] of Object.entries(ctx.config.tasks)) {
    const path = ['tasks', taskName];
    for (const [stepName, step] of Object.entries(task.flow)) {
      stepRules(ctx, taskName, task, stepName, step);
    }
    const cycle = findCycle(task.flow);
    if (cycle) {
      const [from, to] = cycle;
      const index = task.flow[from].depends_on.indexOf(to);
      ctx.error(
        [...path, 'flow', from, 'depends_on', index],
        `cycle detected in workflow DAG: ${cycle.join(' → ')}`,
      );
    }
    if (task.timeout !== undefined && task.timeout > MAX_TASK_TIMEOUT_SECS) {
      ctx.error(
        [...path, 'timeout'],
        `timeout ${task.timeout}s exceeds the maximum of ${MAX_TASK_TIMEOUT_SECS}s (7 days)`,
      );
    }
    if (task.retry) {
      for (const problem of retryProblems(task.retry)) {
        ctx.error([...path, 'retry', problem.field], problem.message);
      }
    }
  }
  for (const [first, second, normalised] of nameCollisions(Object.keys(ctx.config.tasks))) {
    ctx.error(
      ['tasks', second],
      `task names '${first}' and '${second}' are both '${normalised}' once '-' becomes '_' (agent tool names would collide); rename one`,
    );
  }
}

function stepRules(
  ctx: ValidationContext,
  taskName: string,
  task: TaskDef,
  stepName: string,
  step: FlowStep,
): void {
  const path = ['tasks', taskName, 'flow', stepName];
  if (stepName.includes('[') || stepName.includes(']')) {
    ctx.error(
      path,
      `step name '${stepName}' must not contain '[' or ']' (reserved for for_each instances)`,
    );
  }

  if (!step.inline) ctx.checkReference('action', step.action, [...path, 'action']);
  const action = ctx.config.actions[step.action];
  if (action?.type === 'task' && action.task === taskName) {
    ctx.error(
      [...path, step.inline ? 'task' : 'action'],
      step.inline
        ? `step runs its own task '${taskName}' (self-reference)`
        : `action '${step.action}' runs task '${taskName}', the task this step belongs to (self-reference)`,
    );
  }

  const seen = new Set<string>();
  step.depends_on.forEach((dep, i) => {
    const depPath = [...path, 'depends_on', i];
    if (!Object.hasOwn(task.flow, dep)) {
      const others = Object.keys(task.flow).filter((s) => s !== stepName);
      ctx.error(depPath, `unknown step '${dep}'${didYouMean(dep, others)}`);
    } else if (seen.has(dep)) {
      ctx.warn(depPath, `'${dep}' is listed twice in depends_on`);
    }
    seen.add(dep);
  });

  if (step.when !== undefined) {
    const problem = checkTemplateSyntax(step.when);
    if (problem !== undefined) ctx.error([...path, 'when'], `invalid when expression: ${problem}`);
  }
  forEachRules(ctx, path, step);
  if (step.sequential && step.for_each === undefined) {
    ctx.warn([...path, 'sequential'], 'sequential: true has no effect without for_each');
  }
  if (step.timeout !== undefined && step.timeout > MAX_STEP_TIMEOUT_SECS) {
    ctx.error(
      [...path, 'timeout'],
      `timeout ${step.timeout}s exceeds the maximum of ${MAX_STEP_TIMEOUT_SECS}s (24h)`,
    );
  }
  if (step.retry) {
    for (const problem of retryProblems(step.retry)) {
      ctx.error([...path, 'retry', problem.field], problem.message);
    }
    if (action?.type === 'approval' || action?.type === 'task') {
      ctx.warn(
        [...path, 'retry'],
        `retry has no effect on a type: ${action.type} step (it never fails in a way a retry can fix)`,
      );
    }
  }
}

function forEachRules(ctx: ValidationContext, path: readonly string[], step: FlowStep): void {
  const forEach: unknown = step.for_each;
  if (forEach === undefined) return;
  if (typeof forEach === 'string') {
    const problem = checkTemplateSyntax(forEach);
    if (problem !== undefined) {
      ctx.error([...path, 'for_each'], `invalid for_each expression: ${problem}`);
    }
  } else if (Array.isArray(forEach)) {
    if (forEach.length > MAX_FOR_EACH_ITEMS) {
      ctx.error(
        [...path, 'for_each'],
        `for_each list has ${forEach.length} items (at most ${MAX_FOR_EACH_ITEMS})`,
      );
    }
  } else {
    ctx.error([...path, 'for_each'], 'for_each must be a template string or a list');
  }
}
