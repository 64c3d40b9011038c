/**
 * The helpers that templates compiled by tera-compiler.ts call at render time (as `env.tera.*`).
 * Semantics follow Tera 1.x `renderer/processor.rs`.
 */
import { FILTERS, FUNCTIONS, TESTS } from './tera-builtins';
import {
  TeraRuntimeError,
  Undefined,
  describe,
  isObject,
  isTruthyValue,
  printValue,
  sortKeysDeep,
  strict,
  valuesEqual,
} from './tera-values';

interface Frame {
  lookup(name: string): unknown;
}
interface Context {
  ctx: Record<string, unknown>;
}

const fail = (message: string): never => {
  throw new TeraRuntimeError(message);
};

function numberOperand(op: string, value: unknown): number {
  if (typeof value === 'number') return value;
  const kind =
    typeof value === 'string' ? 'a string' : Array.isArray(value) ? 'an array' : describe(value);
  return fail(`Tried to do math (${op}) with ${kind}: \`${describe(value)}\``);
}

export const teraRuntime = {
  lookup(context: Context, frame: Frame, name: string): unknown {
    const fromFrame = frame.lookup(name);
    if (fromFrame !== undefined) return fromFrame;
    const ctx = context.ctx;
    if (Object.prototype.hasOwnProperty.call(ctx, name) && ctx[name] !== undefined)
      return ctx[name];
    return new Undefined(name);
  },

  /** `a.b` / `a[0]`: own keys of objects and indexes of arrays only, never JS built-ins. */
  member(target: unknown, key: unknown, path: string): unknown {
    if (Array.isArray(target)) {
      const index =
        typeof key === 'number'
          ? key
          : typeof key === 'string' && /^(0|[1-9]\d*)$/.test(key)
            ? Number(key)
            : NaN;
      return Number.isInteger(index) && index >= 0 && index < target.length
        ? target[index]
        : new Undefined(path);
    }
    if (isObject(target) && (typeof key === 'string' || typeof key === 'number')) {
      const k = String(key);
      if (Object.prototype.hasOwnProperty.call(target, k) && target[k] !== undefined)
        return target[k];
    }
    return new Undefined(path);
  },

  strict,
  truthy: isTruthyValue,

  print(value: unknown): string {
    return printValue(strict(value));
  },

  compare(left: unknown, op: string, right: unknown): boolean {
    if (op === '==' || op === '===') return valuesEqual(left, right);
    if (op === '!=' || op === '!==') return !valuesEqual(left, right);
    if (typeof left !== 'number' || typeof right !== 'number') {
      return fail(`Tried to compare (${op}) non-numbers: ${describe(left)} and ${describe(right)}`);
    }
    if (Number.isNaN(left) || Number.isNaN(right)) return fail('Comparison to NaN');
    if (op === '<') return left < right;
    if (op === '>') return left > right;
    if (op === '<=') return left <= right;
    return left >= right;
  },

  math(op: string, left: unknown, right: unknown): number {
    const l = numberOperand(op, left);
    const r = numberOperand(op, right);
    switch (op) {
      case '+':
        return l + r;
      case '-':
        return l - r;
      case '*':
        return l * r;
      case '/': {
        // Tera prints an infinite or NaN quotient as NaN.
        const q = l / r;
        return Number.isFinite(q) ? q : NaN;
      }
      default:
        if (r === 0 && Number.isInteger(l)) fail(`Tried to do a modulo by zero: ${l}/${r}`);
        return l % r;
    }
  },

  neg(value: unknown): number {
    return -numberOperand('-', value);
  },

  /** `~`: Tera concatenates strings and numbers only. */
  concat(left: unknown, right: unknown): string {
    const part = (v: unknown): string =>
      typeof v === 'string' || typeof v === 'number'
        ? printValue(v)
        : fail(`Tried to concat a value that is not a string or a number: ${describe(v)}`);
    return part(left) + part(right);
  },

  inOp(needle: unknown, haystack: unknown): boolean {
    if (Array.isArray(haystack)) return haystack.some((item) => valuesEqual(item, needle));
    if (typeof haystack === 'string') {
      return typeof needle === 'string'
        ? haystack.includes(needle)
        : fail(`Tried to check if ${describe(needle)} is in a string, but it isn't a string`);
    }
    if (isObject(haystack)) {
      return typeof needle === 'string'
        ? Object.prototype.hasOwnProperty.call(haystack, needle)
        : fail(`Tried to check if ${describe(needle)} is in a object, but it isn't a string`);
    }
    return fail('The `in` operator only supports strings, arrays and objects.');
  },

  /** The container of `{% for %}`: arrays and strings by item, objects only as `key, value`. */
  iterable(value: unknown, withKey: boolean): unknown {
    strict(value);
    if (Array.isArray(value) || typeof value === 'string') {
      if (withKey) fail("Tried to iterate using key value on a variable that isn't an object/map");
      return Array.isArray(value) ? value : Array.from(value);
    }
    if (isObject(value)) {
      if (!withKey)
        fail('Tried to iterate on an object without a key: use `{% for key, value in … %}`');
      // Keys in serde_json's (sorted) order; values keep their own key order.
      return Object.fromEntries(
        Object.keys(sortKeysDeep(value) as object).map((k) => [k, value[k]]),
      );
    }
    return fail(`Tried to iterate on a container that has an unsupported type: ${describe(value)}`);
  },

  /** Tera's `default` filter: replaces an undefined or null variable. */
  defaultFilter(value: unknown, args: Record<string, unknown>): unknown {
    if (!('value' in args)) fail('The `default` filter requires a `value` argument.');
    return value instanceof Undefined || value === null ? args.value : value;
  },

  filter(name: string, value: unknown, args: Record<string, unknown>): unknown {
    try {
      return FILTERS[name](strict(value), args);
    } catch (e) {
      throw prefixed(e, `Filter \`${name}\``);
    }
  },

  test(name: string, value: unknown, params: unknown[]): boolean {
    return TESTS[name](value, params.map(strict));
  },

  call(name: string, args: Record<string, unknown>): unknown {
    return FUNCTIONS[name](args);
  },
};

/** Adds which filter failed unless the message already says so. */
function prefixed(error: unknown, who: string): unknown {
  if (
    error instanceof TeraRuntimeError &&
    !error.message.includes(who) &&
    !error.message.includes('is undefined')
  ) {
    return new TeraRuntimeError(`${who}: ${error.message}`);
  }
  return error;
}

export type TeraRuntime = typeof teraRuntime;
