/** Loads a workspace for a command, turning unreadable input into one clear message (exit 2). */
import { relative, resolve } from 'node:path';
import {
  formatDiagnostic,
  loadWorkspace,
  nearNames,
  WorkspaceNotFoundError,
  type Diagnostic,
  type LoadedWorkspace,
  type TaskDef,
} from '@stroem/workflow';
import { CliError } from '../cli-error';

/** A path relative to the current directory when it lies below it, else absolute. */
export function displayPath(path: string): string {
  const full = resolve(path);
  const rel = relative(process.cwd(), full);
  if (rel === '') return '.';
  return rel.startsWith('..') ? full : rel;
}

/** Shows a workspace-relative file as the user would type its path. */
export function displayFileFor(ws: LoadedWorkspace): (file: string) => string {
  return (file) => displayPath(resolve(ws.root, file));
}

function isUnparsable(d: Diagnostic): boolean {
  return d.code === 'yaml-syntax' || d.code === 'file-unreadable';
}

export async function openWorkspace(path: string): Promise<LoadedWorkspace> {
  let ws: LoadedWorkspace;
  try {
    ws = await loadWorkspace(path);
  } catch (err) {
    if (err instanceof WorkspaceNotFoundError) throw new CliError(err.message);
    throw err;
  }
  // The YAML parser often reports follow-on errors; the first one per file is the one to fix.
  const seen = new Set<string>();
  const broken = ws.diagnostics.filter(isUnparsable).filter((d) => {
    const file = d.location?.file ?? d.path;
    if (seen.has(file)) return false;
    seen.add(file);
    return true;
  });
  if (broken.length > 0) {
    const shown = broken.map((d) => formatDiagnostic(d, displayFileFor(ws)));
    throw new CliError(
      broken.length === 1
        ? `cannot read the workspace: ${shown[0]}`
        : `cannot read the workspace:\n  ${shown.join('\n  ')}`,
    );
  }
  return ws;
}

export function findTask(ws: LoadedWorkspace, name: string): TaskDef {
  const task = ws.config.tasks[name];
  if (task) return task;
  const near = nearNames(name, Object.keys(ws.config.tasks));
  const hint = near.length > 0 ? ` Did you mean ${near.map((n) => `'${n}'`).join(' or ')}?` : '';
  const where = displayPath(ws.root);
  throw new CliError(`unknown task '${name}' in workspace '${where}'.${hint}`);
}
