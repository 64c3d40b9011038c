import type { JsonValue } from '../model/workflow.model';
import type { ValidationContext } from './validation-context';

/** Rust's `char::is_alphanumeric` plus underscore: upstream accepts non-ASCII letters too. */
const SECRET_NAME = /^[\p{Alphabetic}\p{N}_]*$/u;
const SECRET_REF = /\{\{-?\s*secret\.([\p{L}\p{N}_]+(?:\.[\p{L}\p{N}_]+)*)/gu;

/** `secrets` (reference §2.2) and `{{ secret.X }}` references in action `env`. */
export function secretRules(ctx: ValidationContext): void {
  for (const [name, value] of Object.entries(ctx.config.secrets)) {
    secretValueRules(ctx, ['secrets', name], name, value);
  }
  for (const [actionName, action] of Object.entries(ctx.config.actions)) {
    for (const [key, value] of Object.entries(action.env ?? {})) {
      for (const match of value.matchAll(SECRET_REF)) {
        const ref = match[1];
        if (!resolves(ctx.config.secrets, ref.split('.'))) {
          ctx.warn(
            ['actions', actionName, 'env', key],
            `references secret '${ref}', which is not defined in secrets`,
          );
        }
      }
    }
  }
}

function secretValueRules(
  ctx: ValidationContext,
  path: readonly string[],
  name: string,
  value: JsonValue,
): void {
  if (!SECRET_NAME.test(name)) {
    ctx.error(
      path,
      `secret name '${path.slice(1).join('.')}' contains invalid characters (only letters, digits and '_')`,
    );
  }
  if (value === '') {
    ctx.error(path, `secret '${path.slice(1).join('.')}' has an empty value`);
  } else if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    for (const [key, child] of Object.entries(value)) {
      secretValueRules(ctx, [...path, key], key, child);
    }
  }
}

function resolves(secrets: Record<string, JsonValue>, parts: readonly string[]): boolean {
  let current: JsonValue = secrets;
  for (const part of parts) {
    if (current === null || typeof current !== 'object' || Array.isArray(current)) return false;
    if (!Object.hasOwn(current, part)) return false;
    current = current[part];
  }
  return true;
}
