/** `--path` may be given on the command (`stroem run x --path p`) or before it (`stroem --path p run x`). */
import type { Command } from 'commander';

export function workspacePath(command: Command, own?: string): string {
  const global = command.parent?.opts<{ path?: string }>().path;
  return own ?? global ?? '.';
}
