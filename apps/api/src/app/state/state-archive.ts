/**
 * State snapshots are gzip tarballs of plain files (and `state.json`). Whatever arrives is read
 * here entry by entry: only regular files and folders with relative paths are accepted — `..`,
 * absolute paths, links and devices are refused — so nothing can escape where a worker unpacks.
 */
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { create as createTar, Parser, type ReadEntry } from 'tar';
import type { JsonObject } from '@stroem/workflow';

/** Largest state tarball accepted (upstream: 50 MB). */
export const MAX_STATE_ARCHIVE_BYTES = 50 * 1024 * 1024;
export const STATE_JSON = 'state.json';

export class StateArchiveError extends Error {}

const FILE_TYPES = new Set(['File', 'OldFile', 'ContiguousFile']);

/** `a/./b/` → `a/b`; throws on anything that is not a safe relative path. */
export function safeEntryPath(raw: string): string {
  const parts = raw.split('/').filter((p) => p !== '' && p !== '.');
  if (
    raw.startsWith('/') ||
    /^[A-Za-z]:/.test(raw) ||
    raw.includes('\\') ||
    raw.includes('\0') ||
    parts.some((p) => p === '..')
  )
    throw new StateArchiveError(`unsafe path '${raw}' in the state archive`);
  return parts.join('/');
}

/** The files of a (gzip) tarball by relative path; an empty body has none. */
export function readStateArchive(body: Buffer): Promise<Map<string, Buffer>> {
  const files = new Map<string, Buffer>();
  if (body.length === 0) return Promise.resolve(files);
  return new Promise((resolve, reject) => {
    let failed: Error | undefined;
    const parser = new Parser({ strict: true });
    parser.on('entry', (entry: ReadEntry) => {
      try {
        if (failed) throw failed;
        const name = safeEntryPath(entry.path);
        if (entry.type === 'Directory') return entry.resume();
        if (!FILE_TYPES.has(entry.type))
          throw new StateArchiveError(`'${entry.path}' in the state archive is a ${entry.type}`);
        if (name === '') throw new StateArchiveError('a file without a name in the state archive');
        const chunks: Buffer[] = [];
        entry.on('data', (c: Buffer) => chunks.push(c));
        entry.on('end', () => files.set(name, Buffer.concat(chunks)));
      } catch (err) {
        failed ??= err as Error;
        entry.resume();
      }
    });
    parser.on('error', (err: Error) => {
      failed ??= new StateArchiveError(`invalid state archive: ${err.message}`);
    });
    parser.on('close', () => (failed ? reject(failed) : resolve(files)));
    parser.end(body);
  });
}

/** A gzip tarball of `files` (sorted, plain files only). */
export async function writeStateArchive(files: ReadonlyMap<string, Buffer>): Promise<Buffer> {
  const dir = await mkdtemp(path.join(tmpdir(), 'stroem-state-'));
  try {
    const names = [...files.keys()].map(safeEntryPath).sort();
    for (const name of names) {
      const file = path.join(dir, name);
      await mkdir(path.dirname(file), { recursive: true });
      await writeFile(file, files.get(name) ?? Buffer.alloc(0));
    }
    const chunks: Buffer[] = [];
    // No files: the root folder alone (tar readers refuse an archive without entries).
    const stream = createTar(
      { gzip: true, cwd: dir, portable: true },
      names.length ? names : ['.'],
    );
    for await (const chunk of stream as AsyncIterable<Buffer>) chunks.push(chunk);
    return Buffer.concat(chunks);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The `state.json` object of a snapshot's files; anything else (missing, not an object) is null. */
export function stateJsonOf(files: ReadonlyMap<string, Buffer>): JsonObject | null {
  const raw = files.get(STATE_JSON);
  if (!raw) return null;
  try {
    const value: unknown = JSON.parse(raw.toString('utf8'));
    return value !== null && typeof value === 'object' && !Array.isArray(value)
      ? (value as JsonObject)
      : null;
  } catch {
    return null;
  }
}
