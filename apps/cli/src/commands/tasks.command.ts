/** `stroem tasks`: the workspace's tasks as a table. */
import type { Command } from 'commander';
import { renderTable } from '../output/table';
import { openWorkspace } from '../workspace/open-workspace';
import { workspacePath } from './command-paths';

export function registerTasksCommand(program: Command): void {
  program
    .command('tasks')
    .description('List the tasks of a workspace')
    .option('-p, --path <path>', 'workspace folder')
    .action(async (opts: { path?: string }, command: Command) => {
      const ws = await openWorkspace(workspacePath(command, opts.path));
      const rows = Object.entries(ws.config.tasks)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([name, task]) => [
          name,
          task.folder ?? '',
          String(Object.keys(task.flow).length),
          Object.keys(task.input).join(', '),
          task.name ?? task.description ?? '',
        ]);
      if (rows.length === 0) return void process.stdout.write('No tasks.\n');
      process.stdout.write(
        renderTable(['TASK', 'FOLDER', 'STEPS', 'INPUTS', 'DESCRIPTION'], rows) + '\n',
      );
    });
}
