/** Terminal colours, only when the stream is a TTY and NO_COLOR is unset. */
import { styleText } from 'node:util';

type Format = Parameters<typeof styleText>[0];

export interface Styler {
  readonly enabled: boolean;
  (format: Format, text: string): string;
}

export function stylerFor(stream: NodeJS.WriteStream): Styler {
  const enabled = Boolean(stream.isTTY) && !('NO_COLOR' in process.env);
  const style = (format: Format, text: string) => (enabled ? styleText(format, text) : text);
  return Object.assign(style, { enabled });
}
