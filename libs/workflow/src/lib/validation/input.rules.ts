import type { InputFieldDef } from '../model/workflow.model';
import { PRIMITIVE_INPUT_TYPES } from '../model/workflow.model';
import { didYouMean } from '../suggest';
import type { ValidationContext } from './validation-context';

/** `json` takes any JSON value (upstream's example workspace uses it); the others are scalars. */
const JSON_TYPE = 'json';
const PRIMITIVES: readonly string[] = PRIMITIVE_INPUT_TYPES;

/** `input:` schemas of tasks and actions (reference §2.3): types, `multiple`, `options`. */
export function inputRules(ctx: ValidationContext): void {
  for (const [name, action] of Object.entries(ctx.config.actions)) {
    for (const [field, def] of Object.entries(action.input)) {
      inputFieldRules(ctx, ['actions', name, 'input', field], def);
    }
  }
  for (const [name, task] of Object.entries(ctx.config.tasks)) {
    for (const [field, def] of Object.entries(task.input)) {
      inputFieldRules(ctx, ['tasks', name, 'input', field], def);
    }
  }
}

function inputFieldRules(
  ctx: ValidationContext,
  path: readonly string[],
  field: InputFieldDef,
): void {
  const type = field.type;
  const isPrimitive = PRIMITIVES.includes(type);
  if (!isPrimitive && !Object.hasOwn(ctx.config.connection_types, type)) {
    if (type.includes('.')) {
      ctx.warn(
        [...path, 'type'],
        `type '${type}' is a cross-workspace connection type — validated when a job is created`,
      );
    } else {
      const known = [...PRIMITIVES, ...Object.keys(ctx.config.connection_types)];
      ctx.error(
        [...path, 'type'],
        `unknown input type '${type}' (not a primitive type or a connection type)${didYouMean(type, known)}`,
      );
    }
  }

  if (type === JSON_TYPE) {
    for (const key of ['secret', 'multiple', 'options', 'allow_custom'] as const) {
      const set = key === 'options' ? field.options !== undefined : field[key] === true;
      if (set) ctx.error([...path, key], `'${key}' is not supported on json fields`);
    }
    return;
  }

  if (field.multiple) {
    if (field.secret) {
      ctx.error([...path, 'multiple'], `'secret' and 'multiple' cannot be combined`);
    }
    if (type !== 'string' && type !== 'text') {
      ctx.error(
        [...path, 'multiple'],
        `'multiple' is only supported on string and text fields (type is '${type}')`,
      );
    }
  }
  optionRules(ctx, path, field);
}

function optionRules(ctx: ValidationContext, path: readonly string[], field: InputFieldDef): void {
  const options = field.options;
  if (options === undefined) {
    if (field.allow_custom) {
      ctx.warn([...path, 'allow_custom'], `'allow_custom' has no effect without 'options'`);
    }
    if (field.multiple)
      ctx.warn([...path, 'multiple'], `'multiple' needs 'options' to choose from`);
    return;
  }
  const optionsPath = [...path, 'options'];
  if (options.length === 0) ctx.warn(optionsPath, 'options list is empty');
  const seen = new Set<string>();
  options.forEach((option, i) => {
    if (option === '') ctx.warn([...optionsPath, i], 'option is an empty string');
    else if (seen.has(option)) ctx.warn([...optionsPath, i], `duplicate option '${option}'`);
    seen.add(option);
  });

  const def = field.default;
  if (def === undefined) return;
  const defaultPath = [...path, 'default'];
  if (field.multiple) {
    if (!Array.isArray(def)) {
      ctx.warn(defaultPath, `'multiple' is set but the default is not a list`);
      return;
    }
    const seenDefaults = new Set<string>();
    def.forEach((item, i) => {
      if (typeof item !== 'string') {
        ctx.warn([...defaultPath, i], 'default list items must be strings');
        return;
      }
      if (seenDefaults.has(item)) ctx.warn([...defaultPath, i], `duplicate default item '${item}'`);
      seenDefaults.add(item);
      if (!field.allow_custom && !seen.has(item)) {
        ctx.warn([...defaultPath, i], `default item '${item}' is not one of the options`);
      }
    });
  } else if (!field.allow_custom && typeof def === 'string' && !seen.has(def)) {
    ctx.warn(defaultPath, `default '${def}' is not one of the options${didYouMean(def, options)}`);
  }
}
