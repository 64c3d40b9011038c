/** `stroem validate [path]`: load and validate a workspace, listing every problem with its place. */
import type { Command } from 'commander';
import {
  formatDiagnostic,
  sortDiagnostics,
  validateWorkspace,
  type Diagnostic,
} from '@stroem/workflow';
import { EXIT } from '../cli-error';
import { stylerFor } from '../output/style';
import { displayFileFor, displayPath, openWorkspace } from '../workspace/open-workspace';
import { workspacePath } from './command-paths';

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

export function registerValidateCommand(program: Command): void {
  program
    .command('validate')
    .description('Check a workspace: YAML shape, references, DAG cycles, cron and durations')
    .argument('[path]', 'workspace folder (default: --path or .)')
    .action(async (path: string | undefined, _opts: unknown, command: Command) => {
      const target = path ?? workspacePath(command);
      const ws = await openWorkspace(target);
      const diagnostics = sortDiagnostics([...ws.diagnostics, ...validateWorkspace(ws)]);
      const errors = diagnostics.filter((d) => d.severity === 'error');
      const warnings = diagnostics.filter((d) => d.severity === 'warning');
      const style = stylerFor(process.stdout);
      const show = (d: Diagnostic) => formatDiagnostic(d, displayFileFor(ws));
      const shownPath = displayPath(target);
      const config = ws.config;
      const actions = Object.keys(config.actions).filter((a) => !a.startsWith('_inline:')).length;
      const counts = `${plural(Object.keys(config.tasks).length, 'task')}, ${plural(actions, 'action')}, ${plural(Object.keys(config.triggers).length, 'trigger')}`;

      const lines: string[] = [];
      if (errors.length === 0) {
        const warned = warnings.length > 0 ? ` (${plural(warnings.length, 'warning')})` : '';
        lines.push(`${style('green', '✓')} ${shownPath}: ${counts} — valid${warned}`);
        for (const w of warnings) lines.push(`  ${style('yellow', 'warning')} ${show(w)}`);
        process.stdout.write(lines.join('\n') + '\n');
        return;
      }
      for (const e of errors) lines.push(`${style('red', 'error')}   ${show(e)}`);
      for (const w of warnings) lines.push(`${style('yellow', 'warning')} ${show(w)}`);
      lines.push(
        `${style('red', '✗')} ${shownPath}: ${plural(errors.length, 'error')}, ${plural(warnings.length, 'warning')}`,
      );
      process.stdout.write(lines.join('\n') + '\n');
      process.exitCode = EXIT.failed;
    });
}
