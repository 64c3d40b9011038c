import type { JsonValue } from '../model/workflow.model';
import { renderTemplate } from './render';

export const MAX_FOR_EACH_ITEMS = 10_000;

/** A `for_each` that did not produce a usable list (render errors stay TemplateError). */
export class ForEachError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ForEachError';
  }
}

function parseJson(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false };
  }
}

function excerpt(text: string): string {
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

function checked(items: JsonValue[]): JsonValue[] {
  if (items.length > MAX_FOR_EACH_ITEMS) {
    throw new ForEachError(
      `for_each produced ${items.length} items; at most ${MAX_FOR_EACH_ITEMS} are allowed`,
    );
  }
  return items;
}

/**
 * The items of a `for_each` (upstream §2.17.6): a literal array as is; a string is JSON-parsed
 * first (an array is used directly, a JSON string is the template), otherwise rendered, and the
 * rendered text must be a JSON array. An empty list is valid; the caller skips the step.
 */
export function evaluateForEach(
  expr: string | JsonValue[],
  context: Record<string, unknown>,
): JsonValue[] {
  if (Array.isArray(expr)) return checked(expr);
  let template = expr;
  const literal = parseJson(expr);
  if (literal.ok && Array.isArray(literal.value)) return checked(literal.value as JsonValue[]);
  if (literal.ok && typeof literal.value === 'string') template = literal.value;

  const rendered = renderTemplate(template, context).trim();
  const parsed = parseJson(rendered);
  if (parsed.ok && Array.isArray(parsed.value)) return checked(parsed.value as JsonValue[]);

  let message = `for_each must render a JSON array, got '${excerpt(rendered)}'`;
  if (!parsed.ok && rendered.startsWith('[') && rendered.endsWith(']')) {
    message +=
      ": a list prints as '[a, b]' in a template, which is not JSON; use '| json_encode()'," +
      ' e.g. for_each: "{{ step.output.items | json_encode() }}"';
  }
  throw new ForEachError(message);
}
