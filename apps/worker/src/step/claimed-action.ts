/**
 * What a claimed step asks to run, and on which runner (reference §2.5): read from the claim's
 * rendered `action_spec`, `action_image` and `runner`, with strict shape checks.
 */
import type { ContainerAction, RunnableAction, RunRequest } from '@stroem/runner';
import type { JsonObject, JsonValue } from '@stroem/workflow';
import type { ClaimedStep } from '../server-api/worker-protocol';

/** The claim asks for something this worker cannot do; the message becomes the step's error. */
export class UnsupportedStepError extends Error {}

/** The runners a worker can have, named by the capability that brings each (§1.14). */
export type RunnerCapability = 'script' | 'docker' | 'kubernetes';

/** The claim as the runner sees it: the parts of a `RunRequest` the action decides. */
export interface StepRunPlan {
  /** Which of the worker's runners runs the step. */
  capability: RunnerCapability;
  /** A readable name for messages: `script (runner: docker)`, `docker`, `pod`. */
  kind: string;
  request: Pick<RunRequest, 'action' | 'container' | 'manifest'>;
}

/**
 * `type: script` runs its script on the runner its `runner` names (`local` → the shell,
 * `docker` → a container of the runner image, `pod` → a Kubernetes pod); `type: docker` and
 * `type: pod` run their image as it is.
 */
export function stepRunPlanOf(claim: ClaimedStep): StepRunPlan {
  const spec = claim.action_spec ?? {};
  const type = claim.action_type ?? asString(spec['type']) ?? 'script';
  const env = optionalEnv(spec);
  switch (type) {
    case 'script': {
      const runner = claim.runner ?? asString(spec['runner']) ?? 'local';
      const action: RunnableAction = {
        script: optionalString(spec, 'script'),
        source: optionalString(spec, 'source'),
        language: optionalString(spec, 'language'),
        interpreter: optionalString(spec, 'interpreter'),
        dependencies: optionalStringList(spec, 'dependencies'),
        args: optionalStringList(spec, 'args'),
        env,
      };
      if (runner === 'local') return { capability: 'script', kind: 'script', request: { action } };
      if (runner === 'docker') {
        return { capability: 'docker', kind: 'script (runner: docker)', request: { action } };
      }
      if (runner === 'pod') {
        return {
          capability: 'kubernetes',
          kind: 'script (runner: pod)',
          request: { action, manifest: optionalObject(spec, 'manifest') },
        };
      }
      throw new UnsupportedStepError(
        `Unsupported runner '${runner}' for a script action (expected local, docker or pod)`,
      );
    }
    case 'docker':
      return {
        capability: 'docker',
        kind: 'docker',
        request: { action: { env }, container: containerOf(claim, spec) },
      };
    case 'pod':
      return {
        capability: 'kubernetes',
        kind: 'pod',
        request: {
          action: { env },
          container: containerOf(claim, spec),
          manifest: optionalObject(spec, 'manifest'),
        },
      };
    default:
      throw new UnsupportedStepError(
        `Unsupported action type '${type}' for a worker (it runs script, docker and pod actions)`,
      );
  }
}

function containerOf(claim: ClaimedStep, spec: Record<string, JsonValue>): ContainerAction {
  const image = claim.action_image ?? optionalString(spec, 'image');
  if (!image) {
    throw new UnsupportedStepError(
      `Invalid action_spec: a '${claim.action_type ?? 'docker'}' action needs an image`,
    );
  }
  const container: ContainerAction = { image };
  const entrypoint = optionalStringList(spec, 'entrypoint');
  const command = optionalStringList(spec, 'command');
  const cmd = optionalString(spec, 'cmd');
  if (entrypoint !== undefined) container.entrypoint = entrypoint;
  if (command !== undefined) container.command = command;
  if (cmd !== undefined) container.cmd = cmd;
  return container;
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

function optionalObject(spec: Record<string, JsonValue>, key: string): JsonObject | undefined {
  const value = spec[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new UnsupportedStepError(`Invalid action_spec: '${key}' must be a mapping`);
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
