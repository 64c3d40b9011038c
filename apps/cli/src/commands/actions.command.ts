/** `stroem actions`: the workspace's named actions as a table (inline step actions are left out). */
import type { ActionDef } from '@stroem/workflow';
import type { Command } from 'commander';
import { oneLine, renderTable } from '../output/table';
import { openWorkspace } from '../workspace/open-workspace';
import { workspacePath } from './command-paths';

function runsWhat(action: ActionDef): string {
  if (action.type === 'script') {
    const what = action.source ?? oneLine(action.script ?? '', 40);
    return `${action.language ?? 'shell'}${action.runner && action.runner !== 'local' ? ` on ${action.runner}` : ''}: ${what}`;
  }
  if (action.type === 'docker' || action.type === 'pod') return action.image ?? '';
  if (action.type === 'task') return `task ${action.task ?? ''}`;
  return '';
}

export function registerActionsCommand(program: Command): void {
  program
    .command('actions')
    .description('List the actions of a workspace')
    .option('-p, --path <path>', 'workspace folder')
    .action(async (opts: { path?: string }, command: Command) => {
      const ws = await openWorkspace(workspacePath(command, opts.path));
      const rows = Object.entries(ws.config.actions)
        .filter(([name]) => !name.startsWith('_inline:'))
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([name, action]) => [
          name,
          action.type,
          runsWhat(action),
          action.name ?? action.description ?? '',
        ]);
      if (rows.length === 0) return void process.stdout.write('No actions.\n');
      process.stdout.write(renderTable(['ACTION', 'TYPE', 'RUNS', 'DESCRIPTION'], rows) + '\n');
    });
}
