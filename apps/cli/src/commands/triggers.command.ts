/** `stroem triggers`: the workspace's triggers as a table. */
import type { Command } from 'commander';
import { nextRunLines } from '../output/next-runs';
import { renderTable } from '../output/table';
import { triggerDetail } from '../output/trigger-detail';
import { openWorkspace } from '../workspace/open-workspace';
import { workspacePath } from './command-paths';

export function registerTriggersCommand(program: Command): void {
  program
    .command('triggers')
    .description('List the triggers of a workspace and the next runs of its schedules')
    .option('-p, --path <path>', 'workspace folder')
    .action(async (opts: { path?: string }, command: Command) => {
      const ws = await openWorkspace(workspacePath(command, opts.path));
      const rows = Object.entries(ws.config.triggers)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([name, t]) => [name, t.type, t.task, triggerDetail(t), t.enabled ? 'yes' : 'no']);
      if (rows.length === 0) return void process.stdout.write('No triggers.\n');
      process.stdout.write(
        renderTable(['TRIGGER', 'TYPE', 'TASK', 'DETAIL', 'ENABLED'], rows) + '\n',
      );
      const runs = nextRunLines(ws.config.triggers, new Date());
      if (runs.length > 0) process.stdout.write(`\n${runs.join('\n')}\n`);
    });
}
