/**
 * After a successful run, every regular file under `ARTIFACTS_DIR` (recursively, dotfiles too,
 * links skipped) is uploaded under its relative path, its type sniffed from the extension. If an
 * upload fails for good, the step's artifacts are removed and the step fails (reference §2.16).
 */
import { readdir, readFile } from 'node:fs/promises';
import * as path from 'node:path';
import type { Logger } from 'pino';
import { retryTransient } from '../lifecycle/backoff';
import type { WorkerApiClient } from '../server-api/worker-api.client';

const CONTENT_TYPES: Record<string, string> = {
  '.txt': 'text/plain',
  '.log': 'text/plain',
  '.md': 'text/markdown',
  '.csv': 'text/csv',
  '.html': 'text/html',
  '.htm': 'text/html',
  '.css': 'text/css',
  '.js': 'text/javascript',
  '.json': 'application/json',
  '.xml': 'application/xml',
  '.yaml': 'application/yaml',
  '.yml': 'application/yaml',
  '.pdf': 'application/pdf',
  '.zip': 'application/zip',
  '.gz': 'application/gzip',
  '.tgz': 'application/gzip',
  '.tar': 'application/x-tar',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.svg': 'image/svg+xml',
};

export function artifactContentType(name: string): string {
  return CONTENT_TYPES[path.extname(name).toLowerCase()] ?? 'application/octet-stream';
}

// eslint-disable-next-line no-control-regex
const UNSAFE_NAME = /[\u0000-\u001f\u007f\\]/;

/** Relative `/`-separated paths of the regular files under `dir`, sorted. */
export async function listArtifactFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (rel: string): Promise<void> => {
    for (const entry of await readdir(path.join(dir, rel), { withFileTypes: true })) {
      const name = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory()) await walk(name);
      else if (entry.isFile()) out.push(name);
    }
  };
  await walk('');
  return out.sort();
}

export class ArtifactUploadError extends Error {}

export async function uploadArtifacts(
  dir: string,
  target: { jobId: string; stepName: string },
  client: WorkerApiClient,
  log: Logger,
  giveUp: AbortSignal,
): Promise<number> {
  const names = await listArtifactFiles(dir);
  let uploaded = 0;
  try {
    for (const name of names) {
      if (UNSAFE_NAME.test(name) || name.split('/').includes('..') || name.startsWith('-')) {
        log.warn({ artifact: name }, 'artifact skipped: unsafe name');
        continue;
      }
      const body = await readFile(path.join(dir, name));
      await retryTransient(
        () =>
          client.uploadArtifact(
            target.jobId,
            target.stepName,
            name,
            body,
            artifactContentType(name),
          ),
        { giveUp, maxAttempts: 3, baseMs: 250, capMs: 4000 },
      );
      uploaded++;
    }
  } catch (err) {
    await client.deleteStepArtifacts(target.jobId, target.stepName).catch(() => undefined);
    throw new ArtifactUploadError(`Artifact upload failed: ${(err as Error).message}`);
  }
  if (uploaded > 0) log.info({ count: uploaded }, 'artifacts uploaded');
  return uploaded;
}
