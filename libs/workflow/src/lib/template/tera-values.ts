/**
 * Tera's value semantics (Tera 1.x `context.rs`, `renderer/processor.rs`): how values print,
 * which are truthy, how `==` compares, and the marker for a variable that is not defined.
 */

/** A variable or attribute that does not exist. Only tests, `default`, and boolean positions accept it. */
export class Undefined {
  constructor(readonly path: string) {}
}

/** A failure while rendering; render.ts turns it into the public TemplateError. */
export class TeraRuntimeError extends Error {}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Throws the "undefined" error Tera gives when a missing variable is used as a value. */
export function strict(value: unknown): unknown {
  if (value instanceof Undefined) {
    throw new TeraRuntimeError(`'${value.path}' is undefined`);
  }
  return value;
}

/** Rust's `Display` for f64 (what Tera prints): shortest round-trip digits, never an exponent. */
export function formatNumber(n: number): string {
  if (Number.isNaN(n)) return 'NaN';
  if (!Number.isFinite(n)) return n > 0 ? 'inf' : '-inf';
  const s = String(n);
  const e = s.indexOf('e');
  if (e === -1) return s;
  const negative = s.startsWith('-');
  const mantissa = s.slice(negative ? 1 : 0, e);
  const exponent = Number(s.slice(e + 1));
  const dot = mantissa.indexOf('.');
  const digits = mantissa.replace('.', '');
  const point = (dot === -1 ? mantissa.length : dot) + exponent;
  let out: string;
  if (point <= 0) out = `0.${'0'.repeat(-point)}${digits}`;
  else if (point >= digits.length) out = digits + '0'.repeat(point - digits.length);
  else out = `${digits.slice(0, point)}.${digits.slice(point)}`;
  return (negative ? '-' : '') + out;
}

/** How `{{ value }}` prints: arrays as an unquoted bracket list, objects as `[object]`. */
export function printValue(value: unknown): string {
  if (value instanceof Undefined) strict(value);
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return formatNumber(value);
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (Array.isArray(value)) return `[${value.map(printValue).join(', ')}]`;
  if (isObject(value)) return '[object]';
  return String(value);
}

export function isTruthyValue(value: unknown): boolean {
  if (value instanceof Undefined || value === null || value === undefined) return false;
  if (typeof value === 'boolean') return value;
  if (typeof value === 'number') return value !== 0 && !Number.isNaN(value);
  if (typeof value === 'string') return value.length > 0;
  if (Array.isArray(value)) return value.length > 0;
  if (isObject(value)) return Object.keys(value).length > 0;
  return true;
}

/** serde_json equality: structural, numbers by value, object key order irrelevant. */
export function valuesEqual(a: unknown, b: unknown): boolean {
  if (typeof a === 'number' || typeof b === 'number') return a === b;
  if (Array.isArray(a) || Array.isArray(b)) {
    return (
      Array.isArray(a) &&
      Array.isArray(b) &&
      a.length === b.length &&
      a.every((item, i) => valuesEqual(item, b[i]))
    );
  }
  if (isObject(a) || isObject(b)) {
    if (!isObject(a) || !isObject(b)) return false;
    const keys = Object.keys(a);
    return (
      keys.length === Object.keys(b).length &&
      keys.every((k) => Object.prototype.hasOwnProperty.call(b, k) && valuesEqual(a[k], b[k]))
    );
  }
  return a === b;
}

/** serde_json (without `preserve_order`) keeps object keys sorted; Tera sees them that way. */
export function sortKeysDeep(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeysDeep);
  if (isObject(value)) {
    const sorted: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) sorted[key] = sortKeysDeep(value[key]);
    return sorted;
  }
  return value;
}

/** Short JSON-ish rendering of a value for error messages. */
export function describe(value: unknown): string {
  if (value instanceof Undefined) return `undefined '${value.path}'`;
  let text: string;
  try {
    text =
      typeof value === 'number' ? formatNumber(value) : (JSON.stringify(value) ?? String(value));
  } catch {
    text = String(value);
  }
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
