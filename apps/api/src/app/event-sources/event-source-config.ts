import { createHash } from 'node:crypto';
import {
  renderTemplate,
  type EventSourceTrigger,
  type JsonObject,
  type JsonValue,
} from '@stroem/workflow';

/** Backoff after a consumer completed (seconds). */
export const SUCCESS_BACKOFF_SECS = 1;
/** Cap of the exponential failure backoff (seconds). */
export const MAX_BACKOFF_SECS = 300;

/** Keys only a consumer job's input carries; stripped from emitted target input. */
export const CONSUMER_KEYS = ['_fingerprint', '_event_source'] as const;

/** What identifies a consumer's configuration: a change restarts it. */
export function consumerFingerprint(trigger: EventSourceTrigger): string {
  const canonical = JSON.stringify({
    task: trigger.task,
    target_task: trigger.target_task,
    input: trigger.input ?? {},
    env: trigger.env ?? {},
    restart_policy: trigger.restart_policy,
    backoff_secs: trigger.backoff_secs,
    max_in_flight: trigger.max_in_flight ?? null,
  });
  return createHash('sha256').update(canonical).digest('hex').slice(0, 16);
}

/**
 * The consumer job's input (reference §2.17.9). `env` is stored unrendered: secrets are
 * rendered at claim time into the claim response only, never persisted (reference §5.2).
 */
export function consumerJobInput(
  workspace: string,
  key: string,
  trigger: EventSourceTrigger,
  consecutiveFailures: number,
): JsonObject {
  return {
    _fingerprint: consumerFingerprint(trigger),
    _event_source: {
      target_task: trigger.target_task,
      source_id: `${workspace}/${key}`,
      input_defaults: trigger.input ?? {},
      max_in_flight: trigger.max_in_flight ?? null,
      env: trigger.env ?? {},
      backoff_secs: trigger.backoff_secs,
      consecutive_failures: consecutiveFailures,
    },
  };
}

/** Seconds before a consumer restarts after `failures` consecutive failures (0 ⇒ success). */
export function restartBackoffSecs(backoffSecs: number, failures: number): number {
  if (failures <= 0) return SUCCESS_BACKOFF_SECS;
  return Math.min(backoffSecs * 2 ** (failures - 1), MAX_BACKOFF_SECS);
}

/** Whether the policy restarts a consumer that ended `completed` (else failed/cancelled). */
export function policyRestarts(policy: string, completed: boolean): boolean {
  if (policy === 'never') return false;
  if (policy === 'on_failure') return !completed;
  return true;
}

/**
 * `event_source_config` of a claim response: the consumer's settings with `env` rendered
 * against `{secret}`; null for any job that is not a consumer.
 */
export function eventSourceClaimConfig(
  jobInput: JsonObject,
  secrets: Record<string, JsonValue>,
): JsonObject | null {
  const es = jobInput['_event_source'];
  if (typeof jobInput['_fingerprint'] !== 'string' || !isObject(es)) return null;
  const env: JsonObject = {};
  for (const [name, value] of Object.entries(isObject(es['env']) ? es['env'] : {})) {
    env[name] = typeof value === 'string' ? renderTemplate(value, { secret: secrets }) : value;
  }
  return { ...es, env };
}

function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
