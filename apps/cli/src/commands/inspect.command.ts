/** `stroem inspect <task>`: a task's inputs, steps, DAG, hooks and triggers. */
import type { Command } from 'commander';
import { HOOK_EVENTS, type TaskDef, type WorkspaceConfig } from '@stroem/workflow';
import { drawDag } from '../output/dag-drawing';
import { stylerFor, type Styler } from '../output/style';
import { oneLine, renderTable } from '../output/table';
import { triggerDetail } from '../output/trigger-detail';
import { findTask, openWorkspace } from '../workspace/open-workspace';
import { workspacePath } from './command-paths';

function renderTask(name: string, task: TaskDef, config: WorkspaceConfig, style: Styler): string {
  const out: string[] = [style('bold', `Task ${name}`)];
  if (task.name) out.push(`  name:        ${task.name}`);
  if (task.description) out.push(`  description: ${oneLine(task.description, 100)}`);
  if (task.folder) out.push(`  folder:      ${task.folder}`);
  if (task.timeout !== undefined) out.push(`  timeout:     ${task.timeout}s`);
  if (task.retry) {
    const r = task.retry;
    out.push(`  retry:       ${r.max_attempts} retries, ${r.delay}s ${r.backoff}`);
  }

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

  out.push('', style('bold', 'Hooks'));
  // A task's own hooks for an event replace the workspace's fallback hooks for it.
  const hooks = HOOK_EVENTS.flatMap((event) => {
    const own = task[event].length > 0;
    const list = own ? task[event] : config[event];
    return list.map((hook) => [event, hook.action, own ? 'task' : 'workspace']);
  });
  out.push(hooks.length > 0 ? indent(renderTable(['EVENT', 'ACTION', 'FROM'], hooks)) : '  (none)');

  out.push('', style('bold', 'Triggers'));
  const triggers = Object.entries(config.triggers)
    .filter(([, t]) => t.task === name || (t.type === 'event_source' && t.target_task === name))
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([trigger, t]) => [trigger, t.type, triggerDetail(t), t.enabled ? 'yes' : 'no']);
  out.push(
    triggers.length > 0
      ? indent(renderTable(['TRIGGER', 'TYPE', 'DETAIL', 'ENABLED'], triggers))
      : '  (none)',
  );
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
    .description("Show a task's inputs, steps, DAG, hooks and triggers")
    .argument('<task>', 'task name')
    .option('-p, --path <path>', 'workspace folder')
    .action(async (taskName: string, opts: { path?: string }, command: Command) => {
      const ws = await openWorkspace(workspacePath(command, opts.path));
      const task = findTask(ws, taskName);
      process.stdout.write(renderTask(taskName, task, ws.config, stylerFor(process.stdout)));
    });
}
