/**
 * What a workspace revision is made of: every entry under the root (`.git` excluded), in a
 * stable order; symlinks are recorded as links and never followed.
 */
import { createHash, getHashes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { create as createTar } from 'tar';

const EXCLUDED = new Set(['.git']);
const HASH = getHashes().includes('blake2s256') ? 'blake2s256' : 'sha256';

async function walk(root: string, rel: string, out: string[]): Promise<void> {
  const entries = await fs.readdir(path.join(root, rel), { withFileTypes: true });
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const entry of entries) {
    if (EXCLUDED.has(entry.name)) continue;
    const child = rel ? `${rel}/${entry.name}` : entry.name;
    out.push(child);
    if (entry.isDirectory()) await walk(root, child, out);
  }
}

/** Hash of all paths and contents (symlink targets for links); hex. */
export async function workspaceRevision(root: string): Promise<string> {
  const entries: string[] = [];
  await walk(root, '', entries);
  const hash = createHash(HASH);
  for (const rel of entries) {
    const abs = path.join(root, rel);
    const stat = await fs.lstat(abs);
    if (stat.isSymbolicLink()) {
      hash.update(`L\0${rel}\0${await fs.readlink(abs)}\0`);
    } else if (stat.isDirectory()) {
      hash.update(`D\0${rel}\0`);
    } else if (stat.isFile()) {
      const content = await fs.readFile(abs);
      hash.update(`F\0${rel}\0${stat.mode & 0o111 ? 'x' : '-'}\0${content.length}\0`);
      hash.update(content);
    }
  }
  return hash.digest('hex').slice(0, 16);
}

/**
 * gzip tar of the workspace root, entries relative to it; symlinks stay links. `extras` are
 * further directories shipped under a prefix (libraries under `_libraries/<lib>`).
 */
export async function workspaceTarball(
  root: string,
  extras: readonly { prefix: string; dir: string }[] = [],
): Promise<Buffer> {
  if (extras.length === 0) return tarDirectory(root);
  const stage = await fs.mkdtemp(path.join(os.tmpdir(), 'stroem-tarball-'));
  try {
    const filter = (src: string) => !EXCLUDED.has(path.basename(src));
    await fs.cp(root, stage, { recursive: true, verbatimSymlinks: true, filter });
    for (const extra of extras) {
      await fs.cp(extra.dir, path.join(stage, extra.prefix), {
        recursive: true,
        verbatimSymlinks: true,
        filter,
      });
    }
    return await tarDirectory(stage);
  } finally {
    await fs.rm(stage, { recursive: true, force: true });
  }
}

async function tarDirectory(root: string): Promise<Buffer> {
  const top = (await fs.readdir(root)).filter((n) => !EXCLUDED.has(n)).sort();
  const stream = createTar(
    {
      gzip: true,
      cwd: root,
      portable: true,
      follow: false,
      filter: (p) => !p.split('/').some((part) => EXCLUDED.has(part)),
    },
    top,
  );
  const chunks: Buffer[] = [];
  for await (const chunk of stream as AsyncIterable<Buffer>) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks);
}
