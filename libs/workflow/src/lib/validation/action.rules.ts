import type { ActionDef, RetryConfig } from '../model/workflow.model';
import { ACTION_TYPES } from '../model/workflow.model';
import { AGENT_FIELDS, forbidFields, PROCESS_FIELDS, requireField } from './action-fields';
import { agentActionRules } from './agent.rules';
import { didYouMean } from '../suggest';
import type { ValidationContext } from './validation-context';

const RUNNERS = ['local', 'docker', 'pod'];
const LANGUAGES = ['shell', 'python', 'javascript', 'js', 'typescript', 'ts', 'go'];
const OUTPUT_TYPES = ['string', 'integer', 'number', 'boolean', 'bool', 'array', 'object'];
const INTERPRETER = /^[A-Za-z0-9._\-/+]+$/;
const SHELL_METACHARACTERS = /[;&|$`(){}\\\n\r'"]/;

/** Per-type field rules of every action (reference §2.5), hoisted inline actions included. */
export function actionRules(ctx: ValidationContext): void {
  for (const [name, action] of Object.entries(ctx.config.actions)) {
    const path = ['actions', name];
    outputRules(ctx, path, action);
    actionRetryRules(ctx, path, action.retry);
    switch (action.type) {
      case 'script':
        scriptRules(ctx, path, action);
        break;
      case 'docker':
      case 'pod':
        containerRules(ctx, path, action);
        break;
      case 'task':
        taskActionRules(ctx, path, action);
        break;
      case 'agent':
        agentActionRules(ctx, path, action);
        break;
      case 'approval':
        approvalRules(ctx, path, action);
        break;
      default:
        ctx.error(
          [...path, 'type'],
          `invalid action type '${action.type}' (expected: ${ACTION_TYPES.join(', ')})${didYouMean(action.type, ACTION_TYPES)}`,
        );
    }
  }
}

const SCRIPT_ONLY_HINT = ' (only valid on type: script)';

function scriptRules(ctx: ValidationContext, path: readonly string[], action: ActionDef): void {
  if (action.cmd !== undefined) {
    ctx.error(
      [...path, 'cmd'],
      `'cmd' is not valid on type: script — use 'script' (inline code) or 'source' (file path)`,
    );
  }
  if (action.script === '') ctx.error([...path, 'script'], `'script' is empty`);
  if (action.source === '') ctx.error([...path, 'source'], `'source' is empty`);
  if (action.script === undefined && action.source === undefined) {
    ctx.error(path, `type: script action needs 'script' (inline code) or 'source' (file path)`);
  }
  if (action.script !== undefined && action.source !== undefined) {
    ctx.error([...path, 'source'], `'script' and 'source' are both set — use only one`);
  }
  if (action.image !== undefined) {
    ctx.error(
      [...path, 'image'],
      `'image' is not valid on type: script — use type: docker to run an image, or runner: docker to run the script in a container`,
    );
  }
  forbidFields(ctx, path, action, ['entrypoint'], () => ' (only valid on type: docker or pod)');

  const runner = action.runner;
  if (runner !== undefined && !RUNNERS.includes(runner)) {
    ctx.error(
      [...path, 'runner'],
      `invalid runner '${runner}' (expected: ${RUNNERS.join(', ')})${didYouMean(runner, RUNNERS)}`,
    );
  }
  if (action.manifest !== undefined) {
    if ((runner ?? 'local') !== 'pod') {
      ctx.error(
        [...path, 'manifest'],
        `'manifest' needs runner: pod (runner is '${runner ?? 'local'}')`,
      );
    } else {
      manifestShape(ctx, path, action);
    }
  }

  const language = action.language;
  if (language !== undefined && !LANGUAGES.includes(language)) {
    ctx.error(
      [...path, 'language'],
      `invalid language '${language}' (expected: ${LANGUAGES.join(', ')})${didYouMean(language, LANGUAGES)}`,
    );
  }
  if (action.interpreter !== undefined) {
    if (action.interpreter === '') {
      ctx.error([...path, 'interpreter'], `'interpreter' is empty`);
    } else if (!INTERPRETER.test(action.interpreter)) {
      ctx.error(
        [...path, 'interpreter'],
        `invalid interpreter '${action.interpreter}': only letters, digits and . _ - / + are allowed`,
      );
    }
    if (language === undefined) {
      ctx.warn([...path, 'interpreter'], `'interpreter' is set but 'language' is not`);
    }
  }
  const dependencies = action.dependencies ?? [];
  dependencies.forEach((dep, i) => {
    if (dep === '') ctx.error([...path, 'dependencies', i], 'dependency is empty');
    else if (SHELL_METACHARACTERS.test(dep)) {
      ctx.error(
        [...path, 'dependencies', i],
        `dependency '${dep}' contains shell metacharacters (; & | $ \` ( ) { } \\ quotes or line breaks)`,
      );
    }
  });
  if (dependencies.length > 0 && language === undefined) {
    ctx.warn(
      [...path, 'dependencies'],
      `'dependencies' is set but 'language' is not (dependencies need a non-shell language)`,
    );
  }
  (action.args ?? []).forEach((arg, i) => {
    if (arg === '') ctx.error([...path, 'args', i], 'args entry is empty');
  });
}

function containerRules(ctx: ValidationContext, path: readonly string[], action: ActionDef): void {
  requireField(ctx, path, action, 'image');
  const type = action.type;
  forbidFields(ctx, path, action, ['runner'], () => ' (runner is only for type: script)');
  forbidFields(ctx, path, action, ['script', 'source'], (f) =>
    f === 'script'
      ? ` (script is for type: script; use 'cmd' or 'command')`
      : ' (source is for type: script)',
  );
  if (type === 'docker') {
    forbidFields(ctx, path, action, ['manifest'], () => ' (manifest is only valid on pod actions)');
  } else if (action.manifest !== undefined) {
    manifestShape(ctx, path, action);
  }
  forbidFields(ctx, path, action, ['language', 'dependencies', 'interpreter', 'args'], (f) =>
    f === 'args'
      ? ` (only valid on type: script; use cmd, command or entrypoint)`
      : SCRIPT_ONLY_HINT,
  );
}

function manifestShape(ctx: ValidationContext, path: readonly string[], action: ActionDef): void {
  const m = action.manifest;
  if (m === null || typeof m !== 'object' || Array.isArray(m)) {
    ctx.error([...path, 'manifest'], `'manifest' must be a mapping (merged into the pod spec)`);
  }
}

function taskActionRules(ctx: ValidationContext, path: readonly string[], action: ActionDef): void {
  requireField(ctx, path, action, 'task', ' (the task to run as a sub-job)');
  forbidFields(
    ctx,
    path,
    action,
    ['cmd', 'script', 'source', 'image', 'runner', 'manifest'],
    () => ' (a task action only names another task)',
  );
  forbidFields(
    ctx,
    path,
    action,
    ['language', 'dependencies', 'interpreter', 'args'],
    () => SCRIPT_ONLY_HINT,
  );
  if (action.task !== undefined) ctx.checkReference('task', action.task, [...path, 'task']);
}

function approvalRules(ctx: ValidationContext, path: readonly string[], action: ActionDef): void {
  requireField(ctx, path, action, 'message', ' (shown to the approver)');
  for (const [field, def] of Object.entries(action.input)) {
    if (def.type === 'json') {
      ctx.error(
        [...path, 'input', field, 'type'],
        'approval forms do not support json fields; use string or text',
      );
    }
  }
  forbidFields(
    ctx,
    path,
    action,
    [...PROCESS_FIELDS, 'command', ...AGENT_FIELDS],
    () => ' (an approval gate runs nothing)',
  );
}

function outputRules(ctx: ValidationContext, path: readonly string[], action: ActionDef): void {
  for (const [field, def] of Object.entries(action.output ?? {})) {
    if (!OUTPUT_TYPES.includes(def.type)) {
      ctx.error(
        [...path, 'output', field, 'type'],
        `invalid output type '${def.type}' (expected: string, integer, number, boolean, array, object)${didYouMean(def.type, OUTPUT_TYPES)}`,
      );
    }
  }
}

/** Upstream does not check an action's default retry, so out-of-range values only warn here. */
function actionRetryRules(
  ctx: ValidationContext,
  path: readonly string[],
  retry: RetryConfig | undefined,
): void {
  if (!retry) return;
  for (const problem of retryProblems(retry)) {
    ctx.warn(
      [...path, 'retry', problem.field],
      `${problem.message}; steps using this action inherit it`,
    );
  }
}

export interface RetryProblem {
  field: 'max_attempts' | 'delay';
  message: string;
}

/** Range problems of a retry block (reference §2.8). */
export function retryProblems(retry: RetryConfig): RetryProblem[] {
  const problems: RetryProblem[] = [];
  if (!Number.isInteger(retry.max_attempts) || retry.max_attempts < 1 || retry.max_attempts > 10) {
    problems.push({
      field: 'max_attempts',
      message: `retry max_attempts ${retry.max_attempts} is out of range (1..10)`,
    });
  }
  if (retry.delay > 3600) {
    problems.push({
      field: 'delay',
      message: `retry delay ${retry.delay}s exceeds the maximum of 3600s (1h)`,
    });
  }
  return problems;
}
