/**
 * When a scheduler trigger fires (reference §2.10, §2.17.13): croner with seconds optional
 * (5, 6 or 7 fields), `L`/`W`/`#`, in an IANA time zone (default UTC). Pure, so the server's
 * scheduler, the REST API's `next_runs` and `stroem triggers` agree.
 *
 * Daylight-saving changes follow croner: a wall-clock time skipped by the spring switch fires at
 * the moment the clock jumps to (02:30 Europe/Copenhagen ⇒ 03:00 CEST); a time repeated by the
 * autumn switch fires once, at its first occurrence.
 */
import { Cron } from 'croner';

export const DEFAULT_TRIGGER_TIMEZONE = 'UTC';

function cronOf(expression: string, timezone?: string): Cron {
  return new Cron(expression.trim(), {
    paused: true,
    sloppyRanges: true,
    timezone: timezone || DEFAULT_TRIGGER_TIMEZONE,
  });
}

/**
 * The next `count` instants strictly after `after` (default now). Throws on an invalid
 * expression or time zone; see `safeNextRuns` for a lenient variant.
 */
export function nextRuns(
  expression: string,
  options: { timezone?: string; after?: Date; count?: number } = {},
): Date[] {
  return cronOf(expression, options.timezone).nextRuns(
    options.count ?? 1,
    options.after ?? new Date(),
  );
}

/** The next instant strictly after `after`, or null when there is none (or it is invalid). */
export function nextRun(
  expression: string,
  timezone: string | undefined,
  after: Date,
): Date | null {
  try {
    return cronOf(expression, timezone).nextRun(after) ?? null;
  } catch {
    return null;
  }
}

/** The latest instant strictly before `before`, or null when there is none (or it is invalid). */
export function previousRun(
  expression: string,
  timezone: string | undefined,
  before: Date,
): Date | null {
  try {
    return cronOf(expression, timezone).previousRuns(1, before)[0] ?? null;
  } catch {
    return null;
  }
}

/** `nextRuns` that answers [] instead of throwing (views of possibly invalid workspaces). */
export function safeNextRuns(
  expression: string,
  options: { timezone?: string; after?: Date; count?: number } = {},
): Date[] {
  try {
    return nextRuns(expression, options);
  } catch {
    return [];
  }
}

/** `2027-03-28T03:00:00+02:00`: the instant as wall-clock time in `timezone` with its offset. */
export function formatInTimezone(
  instant: Date,
  timezone: string = DEFAULT_TRIGGER_TIMEZONE,
): string {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', {
      timeZone: timezone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      timeZoneName: 'longOffset',
    })
      .formatToParts(instant)
      .map((p) => [p.type, p.value]),
  );
  const offset =
    parts['timeZoneName'] === 'GMT' ? '+00:00' : parts['timeZoneName'].replace('GMT', '');
  return `${parts['year']}-${parts['month']}-${parts['day']}T${parts['hour']}:${parts['minute']}:${parts['second']}${offset}`;
}
