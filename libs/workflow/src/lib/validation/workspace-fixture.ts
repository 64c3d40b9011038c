import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import * as path from 'path';

import { formatDiagnostic } from '../diagnostics';
import { loadWorkspace } from '../loader/workspace-loader';
import type { ValidateWorkspaceOptions } from './validation-context';
import { validateWorkspace } from './validate-workspace';

/** Strips the indentation common to every non-blank line, so specs can indent their YAML. */
export function yaml(text: string): string {
  const lines = text.replace(/^\n/, '').split('\n');
  const indents = lines.filter((l) => l.trim() !== '').map((l) => /^ */.exec(l)?.[0].length ?? 0);
  const common = Math.min(...indents);
  return lines.map((l) => l.slice(common)).join('\n');
}

/**
 * Writes `files` (paths relative to `.workflows/`) into a fresh temp workspace, loads it
 * through the real loader and validates it. Returns what a user would read:
 * `<severity> <file>:<line>:<col> <path>: <message>`, load-time diagnostics first.
 */
export async function validateFiles(
  files: Record<string, string>,
  options?: ValidateWorkspaceOptions,
): Promise<string[]> {
  const root = mkdtempSync(path.join(tmpdir(), 'stroem-validate-'));
  try {
    for (const [rel, text] of Object.entries(files)) {
      const file = path.join(root, '.workflows', rel);
      mkdirSync(path.dirname(file), { recursive: true });
      writeFileSync(file, yaml(text));
    }
    const ws = await loadWorkspace(root);
    return [...ws.diagnostics, ...validateWorkspace(ws, options)].map(
      (d) => `${d.severity} ${formatDiagnostic(d)}`,
    );
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

/** Validates a single `.workflows/main.yaml`. */
export function validateYaml(text: string, options?: ValidateWorkspaceOptions): Promise<string[]> {
  return validateFiles({ 'main.yaml': text }, options);
}
