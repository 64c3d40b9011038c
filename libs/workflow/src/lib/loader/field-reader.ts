import type { Diagnostic, YamlPath } from '../diagnostics';
import { formatYamlPath } from '../diagnostics';
import type { JsonObject, JsonValue } from '../model/workflow.model';
import { parseDuration } from './duration';
import type { YamlFile } from './yaml-file';

/**
 * Typed reads of one YAML file's plain value. A field of the wrong shape is reported at its
 * own path and read as absent, so one mistake does not hide the rest of the file.
 */
export class FieldReader {
  constructor(
    private readonly yaml: YamlFile,
    private readonly diagnostics: Diagnostic[],
  ) {}

  error(path: YamlPath, message: string): void {
    this.diagnostics.push({
      severity: 'error',
      path: formatYamlPath(path),
      message,
      location: this.yaml.locate(path),
    });
  }

  warn(path: YamlPath, message: string): void {
    this.diagnostics.push({
      severity: 'warning',
      path: formatYamlPath(path),
      message,
      location: this.yaml.locate(path),
    });
  }

  /** A mapping, or undefined (with an error) when the value is something else. Null reads as absent. */
  map(value: unknown, path: YamlPath): JsonObject | undefined {
    if (value === undefined || value === null) return undefined;
    if (isPlainObject(value)) return value as JsonObject;
    this.error(path, `expected a mapping, found ${describe(value)}`);
    return undefined;
  }

  /** Entries of a mapping whose values must themselves be mappings. */
  entries(value: unknown, path: YamlPath): Array<[string, JsonObject]> {
    const obj = this.map(value, path);
    if (!obj) return [];
    const out: Array<[string, JsonObject]> = [];
    for (const [key, item] of Object.entries(obj)) {
      if (isPlainObject(item)) out.push([key, item as JsonObject]);
      else this.error([...path, key], `expected a mapping, found ${describe(item)}`);
    }
    return out;
  }

  string(obj: JsonObject, key: string, path: YamlPath): string | undefined {
    const v = obj[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v === 'string') return v;
    this.error([...path, key], `expected a string, found ${describe(v)}`);
    return undefined;
  }

  requiredString(obj: JsonObject, key: string, path: YamlPath, what: string): string | undefined {
    const v = this.string(obj, key, path);
    if (v === undefined && (obj[key] === undefined || obj[key] === null)) {
      this.error(path, `${what} is missing the required field '${key}'`);
    }
    return v;
  }

  bool(obj: JsonObject, key: string, path: YamlPath): boolean | undefined {
    const v = obj[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v === 'boolean') return v;
    this.error([...path, key], `expected true or false, found ${describe(v)}`);
    return undefined;
  }

  integer(obj: JsonObject, key: string, path: YamlPath): number | undefined {
    const v = obj[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v === 'number' && Number.isInteger(v)) return v;
    this.error([...path, key], `expected an integer, found ${describe(v)}`);
    return undefined;
  }

  /** Unsigned integers (upstream `u32`/`u64` fields): negatives are shape errors. */
  unsigned(obj: JsonObject, key: string, path: YamlPath): number | undefined {
    const v = this.integer(obj, key, path);
    if (v !== undefined && v < 0) {
      this.error([...path, key], `expected a non-negative integer, found ${v}`);
      return undefined;
    }
    return v;
  }

  number(obj: JsonObject, key: string, path: YamlPath): number | undefined {
    const v = obj[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v === 'number') return v;
    this.error([...path, key], `expected a number, found ${describe(v)}`);
    return undefined;
  }

  stringList(obj: JsonObject, key: string, path: YamlPath): string[] | undefined {
    const v = obj[key];
    if (v === undefined || v === null) return undefined;
    if (!Array.isArray(v)) {
      this.error([...path, key], `expected a list of strings, found ${describe(v)}`);
      return undefined;
    }
    const out: string[] = [];
    v.forEach((item, i) => {
      if (typeof item === 'string') out.push(item);
      else this.error([...path, key, i], `expected a string, found ${describe(item)}`);
    });
    return out;
  }

  stringMap(obj: JsonObject, key: string, path: YamlPath): Record<string, string> | undefined {
    const m = this.map(obj[key], [...path, key]);
    if (!m) return undefined;
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(m)) {
      if (typeof v === 'string') out[k] = v;
      else this.error([...path, key, k], `expected a string, found ${describe(v)}`);
    }
    return out;
  }

  /** Any JSON mapping (step input, trigger input, hook input). */
  jsonMap(obj: JsonObject, key: string, path: YamlPath): Record<string, JsonValue> {
    return this.map(obj[key], [...path, key]) ?? {};
  }

  duration(obj: JsonObject, key: string, path: YamlPath): number | undefined {
    const v = obj[key];
    if (v === undefined || v === null) return undefined;
    const parsed = parseDuration(v);
    if ('error' in parsed) {
      this.error([...path, key], `invalid duration ${JSON.stringify(v)}: ${parsed.error}`);
      return undefined;
    }
    return parsed.seconds;
  }
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  if (typeof v === 'string') return `the string ${JSON.stringify(v)}`;
  return `${typeof v === 'number' ? 'the number' : 'the value'} ${String(v)}`;
}
