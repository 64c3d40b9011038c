/** Where the shared container scripts are (`../shared/containers.md`). */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/**
 * `$STROEM_CONTAINERS_DIR`, else `<repo root>/../shared/containers`; `script` names the file that
 * must be there, for a message that says what is missing.
 */
export function containersDir(script: string): string {
  const dir =
    process.env['STROEM_CONTAINERS_DIR'] ?? join(repoRoot(), '..', 'shared', 'containers');
  if (!existsSync(join(dir, script))) {
    throw new Error(
      `${script} not found in ${dir}: set STROEM_CONTAINERS_DIR to the folder holding the ` +
        'container scripts (shared/containers beside the repository, see shared/containers.md).',
    );
  }
  return dir;
}

function repoRoot(): string {
  for (let dir = __dirname; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'nx.json'))) return dir;
    if (dirname(dir) === dir) {
      throw new Error(`No nx.json above ${resolve(__dirname)}: cannot find the repository root`);
    }
  }
}
