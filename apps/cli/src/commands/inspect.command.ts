/** `stroem inspect <task>`: a task's inputs, steps and DAG. */
import type { Command } from 'commander';
import type { TaskDef } from '@stroem/workflow';
import { drawDag } from '../output/dag-drawing';
import { stylerFor, type Styler } from '../output/style';
import { oneLine, renderTable } from '../output/table';
import { findTask, openWorkspace } from '../workspace/open-workspace';
import { workspacePath } from './command-paths';

function renderTask(name: string, task: TaskDef, style: Styler): string {
  const out: string[] = [style('bold', `Task ${name}`)];
  if (task.name) out.push(`  name:        ${task.name}`);
  if (task.description) out.push(`  description: ${oneLine(task.description, 100)}`);
  if (task.folder) out.push(`  folder:      ${task.folder}`);
  if (task.timeout !== undefined) out.push(`  timeout:     ${task.timeout}s`);

  out.push('', style('bold', 'Inputs'));
  const inputs = Object.entries(task.input).map(([field, def]) => [
    field,
    def.multiple ? `${def.type}[]` : def.type,
    def.required ? 'yes' : 'no',
    def.default === undefined ? '' : JSON.stringify(def.default),
    def.description ?? def.name ?? '',
  ]);
  out.push(
    inputs.length > 0
      ? indent(renderTable(['NAME', 'TYPE', 'REQUIRED', 'DEFAULT', 'DESCRIPTION'], inputs))
      : '  (none)',
  );

  out.push('', style('bold', 'Steps'));
  const steps = Object.entries(task.flow).map(([step, def]) => [
    step,
    def.inline ? 'inline' : def.action,
    def.depends_on.join(', '),
    def.timeout !== undefined ? `${def.timeout}s` : '',
  ]);
  out.push(
    steps.length > 0
      ? indent(renderTable(['STEP', 'ACTION', 'DEPENDS ON', 'TIMEOUT'], steps))
      : '  (none)',
  );

  out.push('', style('bold', 'DAG'), drawDag(task.flow, style));
  return out.join('\n') + '\n';
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((l) => `  ${l}`)
    .join('\n');
}

export function registerInspectCommand(program: Command): void {
  program
    .command('inspect')
    .description("Show a task's inputs, steps and DAG")
    .argument('<task>', 'task name')
    .option('-p, --path <path>', 'workspace folder')
    .action(async (taskName: string, opts: { path?: string }, command: Command) => {
      const ws = await openWorkspace(workspacePath(command, opts.path));
      const task = findTask(ws, taskName);
      process.stdout.write(renderTask(taskName, task, stylerFor(process.stdout)));
    });
}
