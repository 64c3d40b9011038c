import {
  DEFAULT_TRIGGER_TIMEZONE,
  formatInTimezone,
  safeNextRuns,
  type TriggerDef,
} from '@stroem/workflow';

const utc = (d: Date) => d.toISOString().replace('.000Z', 'Z');

/**
 * `stroem triggers`' next-runs section: for every enabled scheduler trigger, its next `count`
 * runs after `now`, each as wall-clock time in the trigger's time zone and in UTC.
 */
export function nextRunLines(triggers: Record<string, TriggerDef>, now: Date, count = 3): string[] {
  const lines: string[] = [];
  for (const [name, trigger] of Object.entries(triggers).sort(([a], [b]) => a.localeCompare(b))) {
    if (trigger.type !== 'scheduler' || !trigger.enabled) continue;
    const zone = trigger.timezone ?? DEFAULT_TRIGGER_TIMEZONE;
    const runs = safeNextRuns(trigger.cron, { timezone: zone, after: now, count });
    lines.push(`  ${name} (${zone})`);
    if (runs.length === 0) lines.push('    (never: invalid or exhausted schedule)');
    for (const run of runs) lines.push(`    ${formatInTimezone(run, zone)}  =  ${utc(run)}`);
  }
  return lines.length > 0 ? [`Next runs (next ${count}):`, ...lines] : [];
}
