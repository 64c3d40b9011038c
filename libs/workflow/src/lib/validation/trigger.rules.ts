import type { TriggerDef } from '../model/workflow.model';
import { checkCronExpression, isIanaTimezone } from './cron-expression';
import { didYouMean } from '../suggest';
import type { ValidationContext } from './validation-context';

const CONCURRENCY = ['allow', 'skip', 'cancel_previous'];
const WEBHOOK_MODES = ['async', 'sync'];
const RESTART_POLICIES = ['always', 'on_failure', 'never'];
const WEBHOOK_NAME = /^[A-Za-z0-9_-]+$/;

/** Scheduler, webhook and event-source triggers (reference §2.10). */
export function triggerRules(ctx: ValidationContext): void {
  for (const [name, trigger] of Object.entries(ctx.config.triggers)) {
    const path = ['triggers', name];
    switch (trigger.type) {
      case 'scheduler':
        ctx.checkReference('task', trigger.task, [...path, 'task']);
        schedulerRules(ctx, path, trigger);
        break;
      case 'webhook':
        ctx.checkReference('task', trigger.task, [...path, 'task']);
        webhookRules(ctx, path, trigger);
        break;
      case 'event_source':
        eventSourceRules(ctx, path, trigger);
        break;
    }
  }
}

function oneOf(
  ctx: ValidationContext,
  path: ReadonlyArray<string | number>,
  what: string,
  value: string,
  allowed: readonly string[],
): void {
  if (!allowed.includes(value)) {
    ctx.error(
      path,
      `invalid ${what} '${value}' (expected: ${allowed.join(', ')})${didYouMean(value, allowed)}`,
    );
  }
}

function schedulerRules(
  ctx: ValidationContext,
  path: readonly string[],
  trigger: Extract<TriggerDef, { type: 'scheduler' }>,
): void {
  const problem = checkCronExpression(trigger.cron);
  if (problem !== undefined) {
    ctx.error([...path, 'cron'], `invalid cron expression '${trigger.cron}': ${problem}`);
  }
  if (trigger.timezone !== undefined && !isIanaTimezone(trigger.timezone)) {
    ctx.error(
      [...path, 'timezone'],
      `unknown timezone '${trigger.timezone}' (use an IANA name such as 'Europe/Copenhagen' or 'UTC')`,
    );
  }
  oneOf(ctx, [...path, 'concurrency'], 'concurrency', trigger.concurrency, CONCURRENCY);
}

function webhookRules(
  ctx: ValidationContext,
  path: readonly string[],
  trigger: Extract<TriggerDef, { type: 'webhook' }>,
): void {
  if (trigger.name === '') {
    ctx.error([...path, 'name'], 'webhook name is empty');
  } else if (!WEBHOOK_NAME.test(trigger.name)) {
    ctx.error(
      [...path, 'name'],
      `invalid webhook name '${trigger.name}': only letters, digits, '-' and '_' are allowed (it is part of the URL)`,
    );
  }
  oneOf(ctx, [...path, 'mode'], 'mode', trigger.mode, WEBHOOK_MODES);
  const t = trigger.timeout_secs;
  if (!Number.isInteger(t) || t < 1 || t > 300) {
    ctx.error([...path, 'timeout_secs'], `timeout_secs ${t} is out of range (1..300)`);
  }
}

function eventSourceRules(
  ctx: ValidationContext,
  path: readonly string[],
  trigger: Extract<TriggerDef, { type: 'event_source' }>,
): void {
  ctx.checkReference('task', trigger.task, [...path, 'task']);
  ctx.checkReference('task', trigger.target_task, [...path, 'target_task']);
  if (trigger.task === trigger.target_task) {
    ctx.error(
      [...path, 'target_task'],
      `target_task must differ from the consumer task '${trigger.task}'`,
    );
  }
  oneOf(
    ctx,
    [...path, 'restart_policy'],
    'restart_policy',
    trigger.restart_policy,
    RESTART_POLICIES,
  );
  if (!(trigger.backoff_secs >= 1)) {
    ctx.error(
      [...path, 'backoff_secs'],
      `backoff_secs must be at least 1 (got ${trigger.backoff_secs})`,
    );
  }
  if (trigger.max_in_flight !== undefined && !(trigger.max_in_flight >= 1)) {
    ctx.error(
      [...path, 'max_in_flight'],
      `max_in_flight must be at least 1 (got ${trigger.max_in_flight})`,
    );
  }
}
