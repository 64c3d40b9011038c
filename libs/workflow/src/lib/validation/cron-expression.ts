import { Cron } from 'croner';

/**
 * Why a scheduler `cron` expression is invalid, or undefined when it is fine. Accepts what
 * upstream's parser (Rust croner 3, seconds optional) accepts: 5 fields, 6 with leading
 * seconds, 7 with a trailing year; `L`, `W`, `#`, `?`, month/weekday names, `@daily`-style
 * nicknames and the lenient `5/15` step form.
 */
export function checkCronExpression(expression: string): string | undefined {
  const trimmed = expression.trim();
  if (trimmed === '') return 'the expression is empty';
  if (!trimmed.startsWith('@')) {
    const fields = trimmed.split(/\s+/);
    if (fields.length < 5 || fields.length > 7) {
      return `expected 5 fields (minute hour day-of-month month day-of-week), 6 with leading seconds or 7 with a trailing year; found ${fields.length}`;
    }
    // Rust croner allows `?` only in the day fields; the JS parser takes it anywhere.
    const withSeconds = fields.length === 5 ? ['0', ...fields] : fields;
    const misplaced = withSeconds.findIndex((f, i) => f.includes('?') && i !== 3 && i !== 5);
    if (misplaced >= 0) return `'?' is only allowed in the day-of-month and day-of-week fields`;
  }
  try {
    new Cron(trimmed, { paused: true, sloppyRanges: true });
    return undefined;
  } catch (e) {
    return (e instanceof Error ? e.message : String(e)).replace(/^CronPattern:\s*/, '');
  }
}

/**
 * Whether `name` is an IANA time zone as upstream (chrono-tz) reads it: known to the ICU data
 * behind `Intl`, and spelled with its exact case (`Europe/Copenhagen`, not `europe/copenhagen`).
 */
export function isIanaTimezone(name: string): boolean {
  if (!/^[A-Za-z]/.test(name)) return false;
  let resolved: string;
  try {
    resolved = new Intl.DateTimeFormat('en-US', { timeZone: name }).resolvedOptions().timeZone;
  } catch {
    return false;
  }
  if (resolved.toLowerCase() === name.toLowerCase()) return resolved === name;
  // An alias (`US/Eastern` → `America/New_York`): IANA spells every part capitalised.
  return name.split('/').every((part) => /^[A-Z]/.test(part));
}
