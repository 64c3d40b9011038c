/**
 * Durations as upstream reads them (reference §2.12): a positive integer of seconds, or a
 * string of `<n>h`, `<n>m`, `<n>s` components (`"90"`, `"30s"`, `"1h30m"`). No `d` unit.
 */
export type DurationResult = { seconds: number } | { error: string };

const EXPECTED = 'a positive integer (seconds) or a duration string like "5m", "1h30m"';

export function parseDuration(value: unknown): DurationResult {
  if (typeof value === 'number') {
    if (!Number.isInteger(value))
      return { error: `invalid duration ${value}: expected ${EXPECTED}` };
    if (value <= 0) return { error: 'duration must be greater than 0' };
    return { seconds: value };
  }
  if (typeof value !== 'string') return { error: `invalid duration: expected ${EXPECTED}` };
  return parseDurationString(value);
}

function parseDurationString(raw: string): DurationResult {
  const s = raw.trim();
  if (s === '') return { error: 'duration string is empty' };
  if (/^\d+$/.test(s)) {
    const n = Number(s);
    return n === 0 ? { error: 'duration must be greater than 0' } : { seconds: n };
  }
  let total = 0;
  let digits = '';
  for (const ch of s) {
    if (ch >= '0' && ch <= '9') {
      digits += ch;
      continue;
    }
    if (digits === '') return { error: `unexpected character '${ch}' without preceding number` };
    const n = Number(digits);
    digits = '';
    if (ch === 'h') total += n * 3600;
    else if (ch === 'm') total += n * 60;
    else if (ch === 's') total += n;
    else return { error: `unknown duration unit '${ch}' in '${s}' (expected h, m, or s)` };
  }
  if (digits !== '') {
    return { error: `trailing number '${digits}' without unit in '${s}' (expected h, m, or s)` };
  }
  if (!Number.isSafeInteger(total)) return { error: `duration '${s}' is too large` };
  if (total === 0) return { error: 'duration must be greater than 0' };
  return { seconds: total };
}
