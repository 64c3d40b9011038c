/**
 * Rules on a submitted job input that only some callers apply: Re-run sentinel replay
 * (reference §1.25) and required-input enforcement for API callers (§5.3 #7).
 */
import type { InputFieldDef, JsonObject, JsonValue } from '../model/workflow.model';
import { PRIMITIVE_INPUT_TYPES } from '../model/workflow.model';

/** What the API shows instead of a secret; a Re-run sends it back for unchanged secret fields. */
export const SECRET_MASK = '••••••';

/** An input whose `type` names a connection type rather than a value type. */
export function isConnectionInput(field: InputFieldDef): boolean {
  return !(PRIMITIVE_INPUT_TYPES as readonly string[]).includes(field.type);
}

/** Fields whose values the API masks: `secret: true` and connection-typed inputs. */
export function isMaskedInput(field: InputFieldDef): boolean {
  return field.secret === true || isConnectionInput(field);
}

/**
 * A Re-run's input: every secret or connection field sent as `••••••` takes the source job's
 * raw value; when the source job had none, the field is dropped so its default applies.
 */
export function replayRerunSentinels(
  schema: Record<string, InputFieldDef>,
  submitted: JsonObject,
  sourceRaw: JsonObject,
): JsonObject {
  const out: JsonObject = { ...submitted };
  for (const [name, field] of Object.entries(schema)) {
    if (!isMaskedInput(field) || out[name] !== SECRET_MASK) continue;
    const original: JsonValue | undefined = sourceRaw[name];
    if (original === undefined) delete out[name];
    else out[name] = original;
  }
  return out;
}

/**
 * Names of `required: true` fields without a value (missing, `null` or an empty string),
 * in schema order. Callers pass the input after defaults.
 */
export function missingRequiredInputs(
  schema: Record<string, InputFieldDef>,
  input: JsonObject,
): string[] {
  return Object.entries(schema)
    .filter(([name, field]) => {
      if (field.required !== true) return false;
      const value = input[name];
      return value === undefined || value === null || value === '';
    })
    .map(([name]) => name);
}

/** `missing required input 'a'` / `missing required inputs 'a', 'b'`. */
export function missingRequiredMessage(names: readonly string[]): string {
  const list = names.map((n) => `'${n}'`).join(', ');
  return names.length === 1 ? `missing required input ${list}` : `missing required inputs ${list}`;
}
