/** Tasks as the REST API shows them (reference §3.1). */
import {
  PRIMITIVE_INPUT_TYPES,
  safeNextRuns,
  type FlowStep,
  type TaskDef,
  type TriggerDef,
  type WorkspaceConfig,
} from '@stroem/workflow';

export function taskListItem(
  workspace: string,
  id: string,
  task: TaskDef,
  config: WorkspaceConfig,
) {
  return {
    id,
    name: task.name,
    description: task.description,
    mode: task.mode,
    workspace,
    folder: task.folder,
    has_triggers: Object.values(config.triggers).some((t) => t.enabled && t.task === id),
  };
}

function nextRuns(trigger: TriggerDef): string[] {
  if (trigger.type !== 'scheduler' || !trigger.enabled) return [];
  return safeNextRuns(trigger.cron, { timezone: trigger.timezone, count: 5 }).map((d) =>
    d.toISOString(),
  );
}

export function triggerInfo(name: string, trigger: TriggerDef) {
  return {
    name,
    type: trigger.type,
    cron: trigger.type === 'scheduler' ? trigger.cron : undefined,
    timezone: trigger.type === 'scheduler' ? trigger.timezone : undefined,
    task: trigger.task,
    target_task: trigger.type === 'event_source' ? trigger.target_task : undefined,
    enabled: trigger.enabled,
    input: trigger.input,
    next_runs: trigger.type === 'scheduler' ? nextRuns(trigger) : undefined,
  };
}

function flowStepView(step: FlowStep) {
  const view: Partial<FlowStep> = { ...step };
  delete view.inline;
  return view;
}

/** Connection names per connection type the task's inputs take. */
function connectionsFor(
  task: TaskDef,
  config: WorkspaceConfig,
): Record<string, string[]> | undefined {
  const types = new Set(
    Object.values(task.input)
      .map((f) => f.type)
      .filter((t) => !(PRIMITIVE_INPUT_TYPES as readonly string[]).includes(t)),
  );
  if (types.size === 0) return undefined;
  const out: Record<string, string[]> = {};
  for (const type of [...types].sort()) {
    out[type] = Object.entries(config.connections)
      .filter(([, c]) => c.type === type)
      .map(([n]) => n)
      .sort();
  }
  return out;
}

export function taskDetail(id: string, task: TaskDef, config: WorkspaceConfig) {
  return {
    id,
    name: task.name,
    description: task.description,
    mode: task.mode,
    folder: task.folder,
    input: task.input,
    flow: Object.fromEntries(Object.entries(task.flow).map(([n, s]) => [n, flowStepView(s)])),
    triggers: Object.entries(config.triggers)
      .filter(([, t]) => t.task === id)
      .map(([n, t]) => triggerInfo(n, t)),
    connections: connectionsFor(task, config),
  };
}
