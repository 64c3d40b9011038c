/** Job log lines for a terminal: `<step> | <line>`, `<step> ! <line>` for stderr, one colour per step. */
import type { Styler } from './style';

type Colour = 'cyan' | 'magenta' | 'yellow' | 'blue' | 'green' | 'greenBright' | 'cyanBright';
const PALETTE: readonly Colour[] = [
  'cyan',
  'magenta',
  'yellow',
  'blue',
  'green',
  'greenBright',
  'cyanBright',
];

export interface JobLogEntry {
  ts?: string;
  stream?: string;
  step?: string | null;
  line?: string;
}

/** The same step gets the same colour in every run (a hash of its name). */
export function stepColour(step: string): Colour {
  let hash = 0;
  for (const ch of step) hash = (hash * 31 + (ch.codePointAt(0) ?? 0)) >>> 0;
  return PALETTE[hash % PALETTE.length];
}

/** One JSONL log line as printed; an unparsable line is printed as it came. */
export function formatJobLogLine(jsonl: string, style: Styler): string {
  let entry: JobLogEntry;
  try {
    entry = JSON.parse(jsonl) as JobLogEntry;
  } catch {
    return jsonl;
  }
  const step = entry.step ?? '-';
  const stderr = entry.stream === 'stderr';
  const name = step === '_server' ? style('dim', step) : style(stepColour(step), step);
  const text = entry.line ?? '';
  return stderr
    ? `${name} ${style('red', '!')} ${style('red', text)}`
    : `${name} ${style('dim', '|')} ${text}`;
}
