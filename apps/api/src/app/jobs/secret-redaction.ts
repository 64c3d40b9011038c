/**
 * What the API hides of a job (reference §1.15, fixing §5.3 #14). Secrets are: workspace
 * `secrets` values, connection properties their type marks `secret`, and the values users typed
 * into `secret: true` inputs (task inputs on the job, action inputs on each step). Those fields
 * are masked whole; any secret longer than 3 characters is also masked wherever it appears inside
 * a string (a step's rendered input, output, error, log line), and a shorter one wherever a whole
 * value equals it (substring masking of 1–3 characters would garble everything). `ref+…` strings
 * (vals references) are masked too.
 */
import type { JobEntity, JobStepEntity } from '@stroem/db';
import {
  SECRET_MASK,
  type InputFieldDef,
  type JsonObject,
  type JsonValue,
  type WorkspaceConfig,
} from '@stroem/workflow';

export const REDACTED = SECRET_MASK;

/** Shortest secret masked inside longer strings; shorter ones only as whole values. */
const MIN_SUBSTRING_SECRET = 4;

function collectStrings(value: JsonValue | undefined, out: Set<string>): void {
  if (typeof value === 'string') {
    if (value !== '') out.add(value);
  } else if (typeof value === 'number') out.add(String(value));
  else if (Array.isArray(value)) value.forEach((v) => collectStrings(v, out));
  else if (value !== null && typeof value === 'object')
    Object.values(value).forEach((v) => collectStrings(v, out));
}

function secretFieldNames(schema: Record<string, InputFieldDef> | undefined): string[] {
  return Object.entries(schema ?? {})
    .filter(([, field]) => field.secret === true)
    .map(([name]) => name);
}

function isObject(value: unknown): value is JsonObject {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** The workspace's own secrets: `secrets` values and secret connection properties. */
function workspaceSecrets(config: WorkspaceConfig | undefined, out: Set<string>): void {
  if (!config) return;
  collectStrings(config.secrets as JsonValue, out);
  for (const connection of Object.values(config.connections)) {
    const props = connection.type ? config.connection_types[connection.type] : undefined;
    for (const [prop, def] of Object.entries(props ?? {})) {
      if (def.secret) collectStrings(connection.values[prop], out);
    }
  }
}

export class SecretRedactor {
  private readonly long: string[];
  private readonly short: Set<string>;

  constructor(secrets: Iterable<string>) {
    const all = [...secrets];
    this.long = all
      .filter((s) => s.length >= MIN_SUBSTRING_SECRET)
      .sort((a, b) => b.length - a.length);
    this.short = new Set(all.filter((s) => s.length < MIN_SUBSTRING_SECRET));
  }

  /** Masks secrets in any JSON-like value (strings inside objects and arrays included). */
  redact<T>(value: T): T {
    return this.walk(value) as T;
  }

  /** Masks the named fields of an input map whole, then the secrets left in the rest. */
  redactInput<T>(value: T, secretFields: readonly string[]): T {
    if (!isObject(value) || secretFields.length === 0) return this.redact(value);
    const masked: JsonObject = { ...value };
    for (const name of secretFields) {
      if (masked[name] !== undefined && masked[name] !== null) masked[name] = REDACTED;
    }
    return this.redact(masked as T);
  }

  /** A JSONL job log with secrets masked in each line's text. */
  redactLog(text: string): string {
    if (this.long.length === 0 && this.short.size === 0) return text;
    return text
      .split('\n')
      .map((line) => {
        if (line === '') return line;
        try {
          const entry = JSON.parse(line) as { line?: unknown };
          if (typeof entry.line !== 'string') return line;
          const redacted = this.short.has(entry.line.trim()) ? REDACTED : this.text(entry.line);
          return redacted === entry.line ? line : JSON.stringify({ ...entry, line: redacted });
        } catch {
          return this.text(line);
        }
      })
      .join('\n');
  }

  private text(value: string): string {
    return this.long.reduce((text, secret) => text.split(secret).join(REDACTED), value);
  }

  private walk(value: unknown): unknown {
    if (typeof value === 'string') {
      if (value.startsWith('ref+') || this.short.has(value)) return REDACTED;
      return this.text(value);
    }
    if (Array.isArray(value)) return value.map((v) => this.walk(v));
    if (value !== null && typeof value === 'object' && !(value instanceof Date)) {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, this.walk(v)]));
    }
    return value;
  }
}

/** Secret input fields of a job: the task's, and each step's action's. */
export interface JobSecretFields {
  job: string[];
  steps: Map<string, string[]>;
}

/**
 * The redactor of one job: workspace secrets plus the values typed into the job's secret task
 * inputs and its steps' secret action inputs (taken from the stored action spec).
 */
export function jobRedactor(
  job: JobEntity,
  steps: JobStepEntity[],
  config: WorkspaceConfig | undefined,
): { redactor: SecretRedactor; fields: JobSecretFields } {
  const secrets = new Set<string>();
  workspaceSecrets(config, secrets);
  const jobFields = secretFieldNames(config?.tasks[job.taskName]?.input);
  for (const name of jobFields) {
    collectStrings(job.rawInput?.[name], secrets);
    collectStrings(job.input?.[name], secrets);
  }
  const stepFields = new Map<string, string[]>();
  for (const step of steps) {
    const schema = step.actionSpec?.['input'];
    const names = isObject(schema)
      ? secretFieldNames(schema as unknown as Record<string, InputFieldDef>)
      : [];
    stepFields.set(step.stepName, names);
    if (isObject(step.input)) for (const name of names) collectStrings(step.input[name], secrets);
  }
  return { redactor: new SecretRedactor(secrets), fields: { job: jobFields, steps: stepFields } };
}
