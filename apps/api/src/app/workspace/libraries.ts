/**
 * Libraries (reference §1.11, §2.1 item 8): a library's actions and tasks are merged into every
 * workspace as `<lib>.<name>`; references inside the library are rewritten to the prefixed
 * names; relative `source` paths point into `_libraries/<lib>/`, where the tarball ships the
 * library's files. A collision with a workspace key warns and the library wins, as upstream.
 */
import type { ActionDef, HookDef, TaskDef, WorkspaceConfig } from '@stroem/workflow';

export interface LoadedLibrary {
  name: string;
  revision: string;
  /** The library's checked-out root. */
  dir: string;
  config: WorkspaceConfig;
}

export const LIBRARY_DIR = '_libraries';

function prefixed(lib: LoadedLibrary, name: string | undefined, keys: object): string | undefined {
  if (name === undefined) return undefined;
  return Object.hasOwn(keys, name) ? `${lib.name}.${name}` : name;
}

function libraryAction(lib: LoadedLibrary, action: ActionDef): ActionDef {
  const out: ActionDef = JSON.parse(JSON.stringify(action)) as ActionDef;
  if (out.source !== undefined && !out.source.startsWith('/'))
    out.source = `${LIBRARY_DIR}/${lib.name}/${out.source.replace(/^\.\//, '')}`;
  if (out.task !== undefined) out.task = prefixed(lib, out.task, lib.config.tasks);
  if (out.tools)
    out.tools = out.tools.map((t) =>
      t.task !== undefined ? { ...t, task: prefixed(lib, t.task, lib.config.tasks) } : t,
    );
  return out;
}

function hooks(lib: LoadedLibrary, list: HookDef[]): HookDef[] {
  return list.map((h) => ({
    ...h,
    action: prefixed(lib, h.action, lib.config.actions) ?? h.action,
  }));
}

function libraryTask(lib: LoadedLibrary, task: TaskDef): TaskDef {
  const out: TaskDef = JSON.parse(JSON.stringify(task)) as TaskDef;
  for (const step of Object.values(out.flow))
    step.action = prefixed(lib, step.action, lib.config.actions) ?? step.action;
  out.on_success = hooks(lib, out.on_success);
  out.on_error = hooks(lib, out.on_error);
  out.on_suspended = hooks(lib, out.on_suspended);
  out.on_cancel = hooks(lib, out.on_cancel);
  return out;
}

/** The workspace with every library merged in; collisions are returned as warnings. */
export function mergeLibraries(
  config: WorkspaceConfig,
  libraries: readonly LoadedLibrary[],
): { config: WorkspaceConfig; warnings: string[] } {
  const warnings: string[] = [];
  const merged: WorkspaceConfig = {
    ...config,
    actions: { ...config.actions },
    tasks: { ...config.tasks },
  };
  for (const lib of libraries) {
    for (const [name, action] of Object.entries(lib.config.actions)) {
      const key = `${lib.name}.${name}`;
      if (Object.hasOwn(merged.actions, key))
        warnings.push(`library '${lib.name}': action '${key}' overrides the workspace's own`);
      merged.actions[key] = libraryAction(lib, action);
    }
    for (const [name, task] of Object.entries(lib.config.tasks)) {
      const key = `${lib.name}.${name}`;
      if (Object.hasOwn(merged.tasks, key))
        warnings.push(`library '${lib.name}': task '${key}' overrides the workspace's own`);
      merged.tasks[key] = libraryTask(lib, task);
    }
  }
  return { config: merged, warnings };
}
