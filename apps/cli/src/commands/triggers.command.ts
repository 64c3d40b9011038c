/** `stroem triggers`: the workspace's triggers as a table. */
import type { TriggerDef } from '@stroem/workflow';
import type { Command } from 'commander';
import { renderTable } from '../output/table';
import { openWorkspace } from '../workspace/open-workspace';
import { workspacePath } from './command-paths';

function detail(trigger: TriggerDef): string {
  switch (trigger.type) {
    case 'scheduler':
      return `cron ${trigger.cron}${trigger.timezone ? ` (${trigger.timezone})` : ''}`;
    case 'webhook':
      return `/hooks/${trigger.name} (${trigger.mode})`;
    case 'event_source':
      return `emits ${trigger.target_task}`;
  }
}

export function registerTriggersCommand(program: Command): void {
  program
    .command('triggers')
    .description('List the triggers of a workspace')
    .option('-p, --path <path>', 'workspace folder')
    .action(async (opts: { path?: string }, command: Command) => {
      const ws = await openWorkspace(workspacePath(command, opts.path));
      const rows = Object.entries(ws.config.triggers)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([name, t]) => [name, t.type, t.task, detail(t), t.enabled ? 'yes' : 'no']);
      if (rows.length === 0) return void process.stdout.write('No triggers.\n');
      process.stdout.write(
        renderTable(['TRIGGER', 'TYPE', 'TASK', 'DETAIL', 'ENABLED'], rows) + '\n',
      );
    });
}
