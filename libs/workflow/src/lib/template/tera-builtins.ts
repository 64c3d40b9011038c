/**
 * Tera 1.x built-in filters, tests and functions (Keats/tera `src/builtins/`), plus Strøm's
 * `vals` filter. Filters and functions take named arguments only, as in Tera.
 */
import { spawnSync } from 'node:child_process';

import {
  TeraRuntimeError,
  Undefined,
  describe,
  formatNumber,
  isObject,
  printValue,
  sortKeysDeep,
  valuesEqual,
} from './tera-values';

type Args = Record<string, unknown>;
type Filter = (value: unknown, args: Args) => unknown;
type Tester = (value: unknown, params: unknown[]) => boolean;
type TeraFunction = (args: Args) => unknown;

const fail = (message: string): never => {
  throw new TeraRuntimeError(message);
};

function wrongType(filter: string, arg: string, value: unknown, expected: string): never {
  return fail(
    `Filter \`${filter}\` received an incorrect type for arg \`${arg}\`: got \`${describe(value)}\` but expected ${expected}`,
  );
}

function str(filter: string, arg: string, value: unknown): string {
  return typeof value === 'string' ? value : wrongType(filter, arg, value, 'a String');
}

function num(filter: string, arg: string, value: unknown): number {
  return typeof value === 'number' ? value : wrongType(filter, arg, value, 'a number');
}

function arr(filter: string, arg: string, value: unknown): unknown[] {
  return Array.isArray(value) ? value : wrongType(filter, arg, value, 'an array');
}

function bool(filter: string, arg: string, value: unknown): boolean {
  return typeof value === 'boolean' ? value : wrongType(filter, arg, value, 'a boolean');
}

function unsigned(filter: string, arg: string, value: unknown): number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0
    ? value
    : wrongType(filter, arg, value, 'a non-negative integer');
}

/** Tera's `attribute` argument: a dotted path into each item (`get_json_pointer`). */
function pointer(value: unknown, attribute: string): unknown {
  if (attribute === '') return value;
  let current: unknown = value;
  for (const part of attribute.split('.')) {
    if (Array.isArray(current) && /^(0|[1-9]\d*)$/.test(part)) current = current[Number(part)];
    else if (isObject(current) && Object.prototype.hasOwnProperty.call(current, part))
      current = current[part];
    else return undefined;
  }
  return current;
}

/** Rust's `f64::round`: halves away from zero. */
const roundHalfAway = (n: number): number => Math.sign(n) * Math.round(Math.abs(n));

/** Rust's `str::parse::<f64>` accepts a plain decimal/exponent form only (no hex, no blanks). */
function parseRustFloat(s: string): number | undefined {
  if (/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(s)) return Number(s);
  if (/^[+-]?(inf|infinity)$/i.test(s)) return s.startsWith('-') ? -Infinity : Infinity;
  if (/^[+-]?nan$/i.test(s)) return NaN;
  return undefined;
}

const DIGITS = '0123456789abcdefghijklmnopqrstuvwxyz';
function parseRustInt(s: string, base: number): number | undefined {
  const valid = DIGITS.slice(0, base);
  const body = s.replace(/^[+-]/, '');
  if (body === '' || ![...body.toLowerCase()].every((c) => valid.includes(c))) return undefined;
  return parseInt(s, base);
}

// Characters Tera's `urlencode` leaves alone (Python's quote with `/` safe; `%` is not in its set).
const URL_SAFE = /[A-Za-z0-9\-._~/%]/;
function percentEncode(s: string, safe: RegExp): string {
  let out = '';
  for (const ch of s) {
    if (safe.test(ch)) {
      out += ch;
    } else {
      for (const byte of Buffer.from(ch, 'utf8'))
        out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
    }
  }
  return out;
}

function escapeHtml(s: string): string {
  const map: Record<string, string> = {
    '&': '&amp;',
    '<': '&lt;',
    '>': '&gt;',
    '"': '&quot;',
    "'": '&#x27;',
    '/': '&#x2F;',
  };
  return s.replace(/[&<>"'/]/g, (c) => map[c]);
}

function graphemes(s: string): string[] {
  return Array.from(
    new Intl.Segmenter(undefined, { granularity: 'grapheme' }).segment(s),
    (g) => g.segment,
  );
}

function sortKey(value: unknown, kind: string): number | string {
  if (value === null || value === undefined) fail('Null is not a sortable value');
  if (typeof value !== kind) fail(`expected ${kind} got ${describe(value)}`);
  return typeof value === 'boolean' ? Number(value) : (value as number | string);
}

function sortFilter(value: unknown, args: Args): unknown {
  const items = arr('sort', 'value', value);
  if (items.length === 0) return items;
  const attribute = args.attribute === undefined ? '' : str('sort', 'attribute', args.attribute);
  const keyOf = (item: unknown): unknown => {
    const key = pointer(item, attribute);
    return key === undefined ? fail(`attribute '${attribute}' does not reference a field`) : key;
  };
  const first = keyOf(items[0]);
  const kind = typeof first;
  if (!['number', 'string', 'boolean'].includes(kind) || first === null) {
    fail(`${describe(first)} is not a sortable value`);
  }
  const keyed = items.map((item) => ({ item, key: sortKey(keyOf(item), kind) }));
  keyed.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return keyed.map((k) => k.item);
}

function uniqueFilter(value: unknown, args: Args): unknown {
  const items = arr('unique', 'value', value);
  if (items.length === 0) return items;
  const caseSensitive =
    args.case_sensitive === undefined
      ? false
      : bool('unique', 'case_sensitive', args.case_sensitive);
  const attribute = args.attribute === undefined ? '' : str('unique', 'attribute', args.attribute);
  const first = pointer(items[0], attribute);
  if (first === undefined) fail(`attribute '${attribute}' does not reference a field`);
  const kind = first === null ? 'null' : Array.isArray(first) ? 'array' : typeof first;
  if (!['number', 'string', 'boolean'].includes(kind)) fail(`Unique filter can't use ${kind}`);
  const seen = new Set<unknown>();
  const out: unknown[] = [];
  for (const item of items) {
    const key = pointer(item, attribute);
    if (key === undefined) continue;
    if (typeof key !== kind || key === null) fail("unique filter can't compare multiple types");
    const normalized = typeof key === 'string' && !caseSensitive ? key.toLowerCase() : key;
    if (!seen.has(normalized)) {
      seen.add(normalized);
      out.push(item);
    }
  }
  return out;
}

function sliceIndex(filter: string, arg: string, value: unknown, length: number): number {
  const i = num(filter, arg, value);
  return Math.max(0, Math.trunc(i >= 0 ? i : length + i));
}

// --- date -------------------------------------------------------------------------------------

const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];
const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

function formatOffset(minutes: number, colon: boolean): string {
  const sign = minutes < 0 ? '-' : '+';
  const abs = Math.abs(minutes);
  const hh = String(Math.floor(abs / 60)).padStart(2, '0');
  const mm = String(abs % 60).padStart(2, '0');
  return `${sign}${hh}${colon ? ':' : ''}${mm}`;
}

/** A chrono-compatible subset of strftime, applied to the wall-clock time in `offsetMinutes`. */
function strftime(format: string, epochMs: number, offsetMinutes: number): string {
  const wall = new Date(epochMs + offsetMinutes * 60_000);
  const pad = (n: number, width = 2, fill = '0'): string => String(n).padStart(width, fill);
  const Y = wall.getUTCFullYear();
  const m = wall.getUTCMonth();
  const d = wall.getUTCDate();
  const H = wall.getUTCHours();
  const M = wall.getUTCMinutes();
  const S = wall.getUTCSeconds();
  const dow = wall.getUTCDay();
  const ms = wall.getUTCMilliseconds();
  const dayOfYear = Math.floor((Date.UTC(Y, m, d) - Date.UTC(Y, 0, 1)) / 86_400_000) + 1;
  const h12 = H % 12 === 0 ? 12 : H % 12;
  const spec: Record<string, () => string> = {
    Y: () => String(Y),
    C: () => pad(Math.floor(Y / 100)),
    y: () => pad(Y % 100),
    m: () => pad(m + 1),
    b: () => MONTHS[m].slice(0, 3),
    h: () => MONTHS[m].slice(0, 3),
    B: () => MONTHS[m],
    d: () => pad(d),
    e: () => pad(d, 2, ' '),
    a: () => DAYS[dow].slice(0, 3),
    A: () => DAYS[dow],
    u: () => String(dow === 0 ? 7 : dow),
    w: () => String(dow),
    j: () => pad(dayOfYear, 3),
    H: () => pad(H),
    k: () => pad(H, 2, ' '),
    I: () => pad(h12),
    l: () => pad(h12, 2, ' '),
    p: () => (H < 12 ? 'AM' : 'PM'),
    P: () => (H < 12 ? 'am' : 'pm'),
    M: () => pad(M),
    S: () => pad(S),
    f: () => pad(ms * 1_000_000, 9),
    s: () => String(Math.floor(epochMs / 1000)),
    z: () => formatOffset(offsetMinutes, false),
    Z: () => formatOffset(offsetMinutes, true),
    F: () => `${Y}-${pad(m + 1)}-${pad(d)}`,
    D: () => `${pad(m + 1)}/${pad(d)}/${pad(Y % 100)}`,
    T: () => `${pad(H)}:${pad(M)}:${pad(S)}`,
    R: () => `${pad(H)}:${pad(M)}`,
    n: () => '\n',
    t: () => '\t',
    '%': () => '%',
  };
  return format.replace(/%(:z|.)?/gs, (_whole, code: string | undefined) => {
    if (code === ':z') return formatOffset(offsetMinutes, true);
    const f = code === undefined ? undefined : spec[code];
    return f ? f() : fail(`Invalid date format \`${format}\``);
  });
}

function dateFilter(value: unknown, args: Args): unknown {
  const format = args.format === undefined ? '%Y-%m-%d' : str('date', 'format', args.format);
  if (args.timezone !== undefined) fail('Filter `date`: the `timezone` argument is not supported');
  if (typeof value === 'number') {
    if (!Number.isInteger(value))
      fail(`Filter \`date\` was invoked on a float: ${formatNumber(value)}`);
    return strftime(format, value * 1000, 0);
  }
  if (typeof value !== 'string') {
    return fail(
      `Filter \`date\` received an incorrect type for arg \`value\`: got \`${describe(value)}\` but expected i64|u64|String`,
    );
  }
  if (value.includes('T')) {
    const m =
      /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|[+-]\d{2}:?\d{2})?$/i.exec(value);
    if (!m)
      return fail(`Error parsing \`${JSON.stringify(value)}\` as rfc3339 date or naive datetime`);
    const [, y, mo, d, h, mi, s, frac, zone] = m;
    const wallMs =
      Date.UTC(+y, +mo - 1, +d, +h, +mi, +s) + (frac ? Math.floor(Number(frac) * 1000) : 0);
    let offset = 0;
    if (zone && zone.toUpperCase() !== 'Z') {
      const digits = zone.replace(':', '');
      offset =
        (digits[0] === '-' ? -1 : 1) *
        (Number(digits.slice(1, 3)) * 60 + Number(digits.slice(3, 5)));
    }
    return strftime(format, wallMs - offset * 60_000, offset);
  }
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!m) return fail(`Error parsing \`${JSON.stringify(value)}\` as YYYY-MM-DD date`);
  return strftime(format, Date.UTC(+m[1], +m[2] - 1, +m[3]), 0);
}

// --- vals -------------------------------------------------------------------------------------

/** Resolves a `ref+…` secret reference through the `vals` CLI, as upstream does (`vals eval`). */
function valsFilter(value: unknown): unknown {
  if (typeof value !== 'string' || !value.startsWith('ref+')) return value;
  const result = spawnSync('vals', ['eval', '-f', '-', '-o', 'json'], {
    input: JSON.stringify({ _v: value }),
    encoding: 'utf8',
    env: process.env,
    timeout: 60_000,
  });
  if (result.error) {
    const code = (result.error as NodeJS.ErrnoException).code;
    return fail(
      code === 'ENOENT'
        ? "vals CLI not found: install vals (https://github.com/helmfile/vals) to resolve 'ref+' secret references"
        : `vals failed: ${result.error.message}`,
    );
  }
  if (result.status !== 0)
    return fail(`vals eval failed (exit ${result.status}): ${result.stderr.trim()}`);
  try {
    const parsed: unknown = JSON.parse(result.stdout);
    const resolved = isObject(parsed) ? parsed._v : undefined;
    return typeof resolved === 'string'
      ? resolved
      : fail("vals: resolved output has no '_v' string");
  } catch (e) {
    if (e instanceof TeraRuntimeError) throw e;
    return fail('vals: output is not valid JSON');
  }
}

// --- registry ---------------------------------------------------------------------------------

export const FILTERS: Record<string, Filter> = {
  safe: (v) => v,
  upper: (v) => str('upper', 'value', v).toUpperCase(),
  lower: (v) => str('lower', 'value', v).toLowerCase(),
  trim: (v) => str('trim', 'value', v).trim(),
  trim_start: (v) => str('trim_start', 'value', v).trimStart(),
  trim_end: (v) => str('trim_end', 'value', v).trimEnd(),
  trim_start_matches: (v, a) => {
    const s = str('trim_start_matches', 'value', v);
    const pat = str(
      'trim_start_matches',
      'pat',
      a.pat ?? fail('Filter `trim_start_matches` expected an arg called `pat`'),
    );
    let out = s;
    while (pat !== '' && out.startsWith(pat)) out = out.slice(pat.length);
    return out;
  },
  trim_end_matches: (v, a) => {
    const s = str('trim_end_matches', 'value', v);
    const pat = str(
      'trim_end_matches',
      'pat',
      a.pat ?? fail('Filter `trim_end_matches` expected an arg called `pat`'),
    );
    let out = s;
    while (pat !== '' && out.endsWith(pat)) out = out.slice(0, -pat.length);
    return out;
  },
  capitalize: (v) => {
    const [first = '', ...rest] = Array.from(str('capitalize', 'value', v));
    return first.toUpperCase() + rest.join('').toLowerCase();
  },
  title: (v) =>
    str('title', 'value', v).replace(
      /(?<![\p{L}\p{N}_'])([\p{L}\p{N}_'])([\p{L}\p{N}_']*)/gu,
      (_m, first: string, rest: string) => first.toUpperCase() + rest.toLowerCase(),
    ),
  replace: (v, a) => {
    const s = str('replace', 'value', v);
    const from = str(
      'replace',
      'from',
      a.from ?? fail('Filter `replace` expected an arg called `from`'),
    );
    const to = str('replace', 'to', a.to ?? fail('Filter `replace` expected an arg called `to`'));
    return s.split(from).join(to);
  },
  split: (v, a) => {
    const s = str('split', 'value', v);
    const pat = str('split', 'pat', a.pat ?? fail('Filter `split` expected an arg called `pat`'))
      .replace(/\\n/g, '\n')
      .replace(/\\t/g, '\t');
    return s.split(pat);
  },
  truncate: (v, a) => {
    const s = str('truncate', 'value', v);
    const length = a.length === undefined ? 255 : unsigned('truncate', 'length', a.length);
    const end = a.end === undefined ? '…' : str('truncate', 'end', a.end);
    const parts = graphemes(s);
    return length >= parts.length ? s : parts.slice(0, length).join('') + end;
  },
  wordcount: (v) =>
    str('wordcount', 'value', v)
      .split(/\s+/u)
      .filter((w) => w !== '').length,
  urlencode: (v) => percentEncode(str('urlencode', 'value', v), URL_SAFE),
  urlencode_strict: (v) => percentEncode(str('urlencode_strict', 'value', v), /[A-Za-z0-9]/),
  escape: (v) => escapeHtml(str('escape', 'value', v)),
  addslashes: (v) =>
    str('addslashes', 'value', v).replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/'/g, "\\'"),
  linebreaksbr: (v) => str('linebreaksbr', 'value', v).replace(/\r\n|\n/g, '<br>'),
  striptags: (v) => str('striptags', 'value', v).replace(/<!--[\s\S]*?-->|<[^>]*>/g, ''),
  as_str: (v) => printValue(v),
  length: (v) => {
    if (Array.isArray(v)) return v.length;
    if (isObject(v)) return Object.keys(v).length;
    if (typeof v === 'string') return Array.from(v).length;
    return fail("Filter `length` was used on a value that isn't an array, an object, or a string.");
  },
  reverse: (v) => {
    if (Array.isArray(v)) return [...v].reverse();
    if (typeof v === 'string') return Array.from(v).reverse().join('');
    return wrongType('reverse', 'value', v, 'Array|String');
  },
  json_encode: (v, a) => {
    const pretty = a.pretty === true;
    return JSON.stringify(sortKeysDeep(v), null, pretty ? 2 : undefined) ?? 'null';
  },
  int: (v, a) => {
    const fallback = a.default === undefined ? 0 : Math.trunc(num('int', 'default', a.default));
    const base = a.base === undefined ? 10 : unsigned('int', 'base', a.base);
    if (typeof v === 'number') return Math.trunc(v);
    if (typeof v !== 'string') return fail('Filter `int` received an unexpected type');
    let s = v.trim();
    const prefix = { 2: '0b', 8: '0o', 16: '0x' }[base];
    if (prefix && s.startsWith(prefix)) s = s.slice(2);
    const parsed = parseRustInt(s, base);
    if (parsed !== undefined) return parsed;
    if (s.includes('.')) {
      const f = parseRustFloat(s);
      if (f !== undefined) return Math.trunc(f);
    }
    return fallback;
  },
  float: (v, a) => {
    const fallback = a.default === undefined ? 0 : num('float', 'default', a.default);
    if (typeof v === 'number') return v;
    if (typeof v !== 'string') return fail('Filter `float` received an unexpected type');
    return parseRustFloat(v.trim()) ?? fallback;
  },
  round: (v, a) => {
    const n = num('round', 'value', v);
    const method = a.method === undefined ? 'common' : str('round', 'method', a.method);
    const precision = a.precision === undefined ? 0 : num('round', 'precision', a.precision);
    const k = precision === 0 ? 1 : 10 ** precision;
    if (method === 'common') return roundHalfAway(n * k) / k;
    if (method === 'ceil') return Math.ceil(n * k) / k;
    if (method === 'floor') return Math.floor(n * k) / k;
    return fail(
      `Filter \`round\` received an incorrect value for arg \`method\`: got \`${JSON.stringify(method)}\`, only common, ceil and floor are allowed`,
    );
  },
  abs: (v) => Math.abs(num('abs', 'value', v)),
  pluralize: (v, a) => {
    const n = num('pluralize', 'value', v);
    const suffix = a.suffix === undefined ? 's' : str('pluralize', 'suffix', a.suffix);
    return Math.abs(Math.abs(n) - 1) > Number.EPSILON ? suffix : '';
  },
  first: (v) => {
    const items = arr('first', 'value', v);
    return items.length === 0 ? '' : items[0];
  },
  last: (v) => {
    const items = arr('last', 'value', v);
    return items.length === 0 ? '' : items[items.length - 1];
  },
  nth: (v, a) => {
    const items = arr('nth', 'value', v);
    if (items.length === 0) return '';
    if (a.n === undefined) fail('The `nth` filter has to have an `n` argument');
    const n = unsigned('nth', 'n', a.n);
    return n < items.length ? items[n] : '';
  },
  join: (v, a) => {
    const items = arr('join', 'value', v);
    const sep = a.sep === undefined ? '' : str('join', 'sep', a.sep);
    return items.map(printValue).join(sep);
  },
  sort: sortFilter,
  unique: uniqueFilter,
  slice: (v, a) => {
    const items = arr('slice', 'value', v);
    if (items.length === 0) return items;
    const start = a.start === undefined ? 0 : sliceIndex('slice', 'start', a.start, items.length);
    const end =
      a.end === undefined
        ? items.length
        : Math.min(sliceIndex('slice', 'end', a.end, items.length), items.length);
    return start >= end ? [] : items.slice(start, end);
  },
  concat: (v, a) => {
    const items = arr('concat', 'value', v);
    if (!('with' in a)) fail('The `concat` filter has to have a `with` argument');
    return Array.isArray(a.with) ? [...items, ...a.with] : [...items, a.with];
  },
  map: (v, a) => {
    const items = arr('map', 'value', v);
    if (items.length === 0) return items;
    if (a.attribute === undefined) fail('The `map` filter has to have an `attribute` argument');
    const attribute = str('map', 'attribute', a.attribute);
    return items
      .map((item) => pointer(item, attribute))
      .filter((x) => x !== undefined && x !== null);
  },
  filter: (v, a) => {
    const items = arr('filter', 'value', v);
    if (items.length === 0) return items;
    if (a.attribute === undefined) fail('The `filter` filter has to have an `attribute` argument');
    const attribute = str('filter', 'attribute', a.attribute);
    const wanted = a.value ?? null;
    return items.filter((item) => {
      const got = pointer(item, attribute) ?? null;
      return wanted === null ? got !== null : valuesEqual(got, wanted);
    });
  },
  get: (v, a) => {
    if (a.key === undefined) fail('The `get` filter has to have a `key` argument');
    const key = str('get', 'key', a.key);
    if (!isObject(v)) return fail("Filter `get` was used on a value that isn't an object");
    if (Object.prototype.hasOwnProperty.call(v, key)) return v[key];
    return 'default' in a
      ? a.default
      : fail(`Filter \`get\` tried to get key \`${key}\` but it wasn't found`);
  },
  date: dateFilter,
  vals: valsFilter,
};

function testArgs(name: string, max: number, params: unknown[]): void {
  if (params.length > max) {
    fail(
      max === 0
        ? `Tester \`${name}\` was called with some args but this test doesn't take args`
        : `Tester \`${name}\` was called with ${params.length} args, the max number is ${max}`,
    );
  }
}

function definedValue(name: string, value: unknown): unknown {
  return value instanceof Undefined
    ? fail(`Tester \`${name}\` was called on an undefined variable`)
    : value;
}

function testString(name: string, what: string, value: unknown): string {
  return typeof value === 'string'
    ? value
    : fail(`Tester \`${name}\` was called ${what} that isn't a string`);
}

function testNumber(name: string, what: string, value: unknown): number {
  return typeof value === 'number'
    ? value
    : fail(`Tester \`${name}\` was called ${what} that isn't a number`);
}

function tester(
  name: string,
  max: number,
  body: (value: unknown, params: unknown[]) => boolean,
): Tester {
  return (value, params) => {
    testArgs(name, max, params);
    return body(definedValue(name, value), params);
  };
}

export const TESTS: Record<string, Tester> = {
  defined: (value, params) => {
    testArgs('defined', 0, params);
    return !(value instanceof Undefined);
  },
  undefined: (value, params) => {
    testArgs('undefined', 0, params);
    return value instanceof Undefined;
  },
  string: tester('string', 0, (v) => typeof v === 'string'),
  number: tester('number', 0, (v) => typeof v === 'number'),
  object: tester('object', 0, (v) => isObject(v)),
  iterable: tester('iterable', 0, (v) => Array.isArray(v)),
  odd: tester('odd', 0, (v) => testNumber('odd', 'on a variable', v) % 2 !== 0),
  even: tester('even', 0, (v) => testNumber('even', 'on a variable', v) % 2 === 0),
  divisibleby: tester('divisibleby', 1, (v, [p]) => {
    const n = testNumber('divisibleby', 'on a variable', v);
    return n % testNumber('divisibleby', 'with a parameter', p) === 0;
  }),
  starting_with: tester('starting_with', 1, (v, [p]) =>
    testString('starting_with', 'on a variable', v).startsWith(
      testString('starting_with', 'with a parameter', p),
    ),
  ),
  ending_with: tester('ending_with', 1, (v, [p]) =>
    testString('ending_with', 'on a variable', v).endsWith(
      testString('ending_with', 'with a parameter', p),
    ),
  ),
  containing: tester('containing', 1, (v, [p]) => {
    if (typeof v === 'string') return v.includes(testString('containing', 'with a parameter', p));
    if (Array.isArray(v)) return v.some((item) => valuesEqual(item, p));
    if (isObject(v))
      return Object.prototype.hasOwnProperty.call(
        v,
        testString('containing', 'with a parameter', p),
      );
    return fail('Tester `containing` can only be used on string, array or map');
  }),
  matching: tester('matching', 1, (v, [p]) => {
    const s = testString('matching', 'on a variable', v);
    let source = testString('matching', 'with a parameter', p);
    let flags = 'u';
    // Rust regex writes flags inline; JS needs them as RegExp flags.
    const inline = /^\(\?([imsx]+)\)/.exec(source);
    if (inline) {
      flags += inline[1].replace('x', '');
      source = source.slice(inline[0].length);
    }
    try {
      return new RegExp(source, flags).test(s);
    } catch (e) {
      return fail(`Tester \`matching\`: Invalid regular expression: ${(e as Error).message}`);
    }
  }),
};

function fnArg<T>(
  fn: string,
  name: string,
  value: unknown,
  check: (v: unknown) => v is T,
  kind: string,
): T {
  return check(value)
    ? value
    : fail(
        `Function \`${fn}\` received ${name}=${describe(value)} but \`${name}\` can only be ${kind}`,
      );
}
const isUnsigned = (v: unknown): v is number =>
  typeof v === 'number' && Number.isInteger(v) && v >= 0;
const isBool = (v: unknown): v is boolean => typeof v === 'boolean';
const isString = (v: unknown): v is string => typeof v === 'string';

/** chrono's `to_rfc3339()` for a local or UTC time, with milliseconds when they are non-zero. */
function rfc3339(date: Date, utc: boolean): string {
  const offset = utc ? 0 : -date.getTimezoneOffset();
  const wall = new Date(date.getTime() + offset * 60_000);
  const iso = wall.toISOString();
  const base = iso.slice(0, 19);
  const ms = wall.getUTCMilliseconds();
  return `${base}${ms === 0 ? '' : iso.slice(19, 23)}${formatOffset(offset, true)}`;
}

export const FUNCTIONS: Record<string, TeraFunction> = {
  range: (a) => {
    const start =
      a.start === undefined ? 0 : fnArg('range', 'start', a.start, isUnsigned, 'a number');
    const step =
      a.step_by === undefined ? 1 : fnArg('range', 'step_by', a.step_by, isUnsigned, 'a number');
    if (a.end === undefined) fail('Function `range` was called without a `end` argument');
    const end = fnArg('range', 'end', a.end, isUnsigned, 'a number');
    if (start > end)
      fail('Function `range` was called with a `start` argument greater than the `end` one');
    if (step === 0) fail('Function `range` was called with `step_by` 0');
    const out: number[] = [];
    for (let i = start; i < end; i += step) out.push(i);
    return out;
  },
  now: (a) => {
    const utc = a.utc === undefined ? false : fnArg('now', 'utc', a.utc, isBool, 'a boolean');
    const timestamp =
      a.timestamp === undefined
        ? false
        : fnArg('now', 'timestamp', a.timestamp, isBool, 'a boolean');
    const date = new Date();
    return timestamp ? Math.floor(date.getTime() / 1000) : rfc3339(date, utc);
  },
  get_env: (a) => {
    if (a.name === undefined) fail("Function `get_env` didn't receive a `name` argument");
    const name = fnArg('get_env', 'name', a.name, isString, 'a string');
    const value = process.env[name];
    if (value !== undefined) return value;
    return 'default' in a ? a.default : fail(`Environment variable \`${name}\` not found`);
  },
  throw: (a) => {
    if (a.message === undefined) fail('Function `throw` was called without a `message` argument');
    return fail(fnArg('throw', 'message', a.message, isString, 'a string'));
  },
  get_random: (a) => {
    const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v);
    const start =
      a.start === undefined ? 0 : fnArg('get_random', 'start', a.start, isInt, 'an integer');
    if (a.end === undefined) fail("Function `get_random` didn't receive an `end` argument");
    const end = fnArg('get_random', 'end', a.end, isInt, 'an integer');
    return start + Math.floor(Math.random() * (end - start));
  },
};
