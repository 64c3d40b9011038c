/**
 * The stdout line protocol a step speaks (reference §2.16): `OUTPUT: <json>`,
 * `STATE: <json-object>`, `GLOBAL_STATE: <json-object>` at the start of a stdout line,
 * with an optional single space after the colon. Lines that do not parse stay plain log lines.
 */
import type { JsonObject, JsonValue } from '../model/workflow.model';

export type ProtocolLine =
  | { kind: 'output'; value: JsonValue }
  | { kind: 'state'; value: JsonObject }
  | { kind: 'global_state'; value: JsonObject };

// GLOBAL_STATE first: `STATE:` is not its prefix, but keep the longest prefix first anyway.
const PREFIXES: ReadonlyArray<[string, ProtocolLine['kind']]> = [
  ['GLOBAL_STATE:', 'global_state'],
  ['OUTPUT:', 'output'],
  ['STATE:', 'state'],
];

function isJsonObject(value: JsonValue): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Reads one stdout line; `null` when it is not a (valid) protocol line. */
export function parseProtocolLine(line: string): ProtocolLine | null {
  const text = line.endsWith('\r') ? line.slice(0, -1) : line;
  for (const [prefix, kind] of PREFIXES) {
    if (!text.startsWith(prefix)) continue;
    let rest = text.slice(prefix.length);
    if (rest.startsWith(' ')) rest = rest.slice(1);
    let value: JsonValue;
    try {
      value = JSON.parse(rest) as JsonValue;
    } catch {
      return null;
    }
    if (kind === 'output') return { kind, value };
    return isJsonObject(value) ? { kind, value } : null;
  }
  return null;
}

/** Accumulates the protocol lines of one step run: last OUTPUT wins, states shallow-merge. */
export class StdoutProtocolCollector {
  private lastOutput: JsonValue | undefined;
  private stateValue: JsonObject | undefined;
  private globalStateValue: JsonObject | undefined;

  /** Feeds one stdout line; returns what it recognised, if anything. */
  accept(line: string): ProtocolLine | null {
    const parsed = parseProtocolLine(line);
    if (!parsed) return null;
    switch (parsed.kind) {
      case 'output':
        this.lastOutput = parsed.value;
        break;
      case 'state':
        this.stateValue = { ...this.stateValue, ...parsed.value };
        break;
      case 'global_state':
        this.globalStateValue = { ...this.globalStateValue, ...parsed.value };
        break;
    }
    return parsed;
  }

  /** The last valid OUTPUT value, or `null` when the step printed none. */
  get output(): JsonValue {
    return this.lastOutput === undefined ? null : this.lastOutput;
  }

  get hasOutput(): boolean {
    return this.lastOutput !== undefined;
  }

  /** Merged STATE objects, or `undefined` when the step printed none. */
  get state(): JsonObject | undefined {
    return this.stateValue;
  }

  /** Merged GLOBAL_STATE objects, or `undefined` when the step printed none. */
  get globalState(): JsonObject | undefined {
    return this.globalStateValue;
  }
}
