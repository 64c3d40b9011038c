import type { TriggerDef } from '@stroem/workflow';

/** One line saying when a trigger fires. */
export function triggerDetail(trigger: TriggerDef): string {
  switch (trigger.type) {
    case 'scheduler':
      return `cron ${trigger.cron}${trigger.timezone ? ` (${trigger.timezone})` : ''}`;
    case 'webhook':
      return `/hooks/${trigger.name} (${trigger.mode})`;
    case 'event_source':
      return `emits ${trigger.target_task}`;
  }
}
