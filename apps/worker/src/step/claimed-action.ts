/** What this worker can run of a claimed step, read from the claim's rendered `action_spec`. */
import type { RunnableAction } from '@stroem/runner';
import type { JsonValue } from '@stroem/workflow';
import type { ClaimedStep } from '../server-api/worker-protocol';

/** The claim asks for something this worker cannot do; the message becomes the step's error. */
export class UnsupportedStepError extends Error {}

/** This worker runs `script` actions on the `local` runner; everything else is refused. */
export function runnableActionOf(claim: ClaimedStep): RunnableAction {
  const spec = claim.action_spec ?? {};
  const type = claim.action_type ?? asString(spec['type']) ?? 'script';
  const runner = claim.runner ?? asString(spec['runner']) ?? 'local';
  if (type !== 'script') {
    throw new UnsupportedStepError(
      `Unsupported action type '${type}' for this worker: it runs only 'script' actions with runner 'local'`,
    );
  }
  if (runner !== 'local') {
    throw new UnsupportedStepError(
      `Unsupported runner '${runner}' for this worker: it runs only 'script' actions with runner 'local'`,
    );
  }
  return {
    script: optionalString(spec, 'script'),
    source: optionalString(spec, 'source'),
    language: optionalString(spec, 'language'),
    interpreter: optionalString(spec, 'interpreter'),
    dependencies: optionalStringList(spec, 'dependencies'),
    args: optionalStringList(spec, 'args'),
    env: optionalEnv(spec),
  };
}

function asString(value: JsonValue | undefined): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function optionalString(spec: Record<string, JsonValue>, key: string): string | undefined {
  const value = spec[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') {
    throw new UnsupportedStepError(`Invalid action_spec: '${key}' must be a string`);
  }
  return value;
}

function scalarText(value: JsonValue): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return undefined;
}

function optionalStringList(spec: Record<string, JsonValue>, key: string): string[] | undefined {
  const value = spec[key];
  if (value === undefined || value === null) return undefined;
  const items = Array.isArray(value) ? value.map(scalarText) : undefined;
  if (!items || items.some((item) => item === undefined)) {
    throw new UnsupportedStepError(`Invalid action_spec: '${key}' must be a list of strings`);
  }
  return items as string[];
}

function optionalEnv(spec: Record<string, JsonValue>): Record<string, string> | undefined {
  const value = spec['env'];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new UnsupportedStepError(`Invalid action_spec: 'env' must be a mapping`);
  }
  const env: Record<string, string> = {};
  for (const [name, item] of Object.entries(value)) {
    const text = scalarText(item);
    if (text === undefined) {
      throw new UnsupportedStepError(`Invalid action_spec: env '${name}' must be a string`);
    }
    env[name] = text;
  }
  return env;
}
