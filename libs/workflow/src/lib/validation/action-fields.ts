import type { ActionDef } from '../model/workflow.model';
import type { ValidationContext } from './validation-context';

export type ActionField = keyof ActionDef;

/** Fields that make an action run a process; neither an agent nor an approval gate takes them. */
export const PROCESS_FIELDS: readonly ActionField[] = [
  'cmd',
  'script',
  'source',
  'image',
  'runner',
  'manifest',
  'task',
  'entrypoint',
  'language',
  'dependencies',
  'interpreter',
  'args',
];

/** Fields only an agent action takes. */
export const AGENT_FIELDS: readonly ActionField[] = [
  'provider',
  'prompt',
  'system_prompt',
  'temperature',
  'max_tokens',
  'tools',
  'max_turns',
];

/** Whether an optional field was written; empty lists count as absent where upstream defaults them. */
export function isSet(action: ActionDef, field: ActionField): boolean {
  const value = action[field];
  if (field === 'dependencies' || field === 'args' || field === 'tools') {
    return Array.isArray(value) && value.length > 0;
  }
  return value !== undefined;
}

/** Reports each of `fields` that is set as not valid on this action's type. */
export function forbidFields(
  ctx: ValidationContext,
  path: readonly string[],
  action: ActionDef,
  fields: readonly ActionField[],
  hint: (field: ActionField) => string = () => '',
): void {
  for (const field of fields) {
    if (isSet(action, field)) {
      ctx.error([...path, field], `'${field}' is not valid on type: ${action.type}${hint(field)}`);
    }
  }
}

export function requireField(
  ctx: ValidationContext,
  path: readonly string[],
  action: ActionDef,
  field: ActionField,
  what = '',
): void {
  if (action[field] === undefined) {
    ctx.error(path, `type: ${action.type} action is missing '${field}'${what}`);
  }
}
