/**
 * Workspace files for steps: one immutable directory per (workspace, revision) under the cache
 * root, filled from `GET /worker/workspace/{ws}.tar.gz[?revision=R]` (reference §1.12).
 *
 * A revision is extracted into a `.tmp-*` directory and renamed into place, so a revision
 * directory is always complete. Steps hold a lease on the revision they run in; pruning keeps
 * the `maxRetainedRevisions` most recently used revisions of each workspace and never removes
 * one that is leased. A pruned directory is first renamed to `.trash-*` (synchronously), so a
 * new download of the same revision never races its deletion.
 */
import { createHash, randomUUID } from 'node:crypto';
import { renameSync } from 'node:fs';
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Logger } from 'pino';
import { x as extractTar } from 'tar';
import { retryTransient } from '../lifecycle/backoff';
import { ServerApiError, type StreamResponse } from '../server-api/server-connection';
import type { WorkerApiClient } from '../server-api/worker-api.client';

export interface WorkspaceLease {
  workspace: string;
  revision: string;
  /** The extracted workspace: the step's working directory. */
  dir: string;
  /** Ends the lease; the revision may be pruned afterwards. Calling it twice is harmless. */
  release(): void;
}

/** The workspace could not be fetched; the message goes into the step's error. */
export class WorkspaceDownloadError extends Error {}

export interface WorkspaceCacheOptions {
  client: WorkerApiClient;
  rootDir: string;
  maxRetainedRevisions: number;
  logger: Logger;
  /** Attempts for a download that fails with a network error or 5xx. Default 3. */
  downloadAttempts?: number;
}

interface RevisionEntry {
  revision: string;
  dir: string;
  leases: number;
  lastUsed: number;
}

interface WorkspaceState {
  dir: string;
  revisions: Map<string, RevisionEntry>;
  /** The revision the server last gave for an unpinned request: sent as `If-None-Match`. */
  latest?: string;
}

/** A name safe as one path segment; anything unusual is hashed. */
function dirName(value: string): string {
  return /^[A-Za-z0-9][A-Za-z0-9._-]{0,100}$/.test(value)
    ? value
    : `h-${createHash('sha256').update(value).digest('hex').slice(0, 32)}`;
}

function unquoteEtag(etag: string | undefined): string | undefined {
  if (!etag) return undefined;
  return etag.replace(/^W\//, '').replace(/^"(.*)"$/, '$1') || undefined;
}

function header(response: StreamResponse, name: string): string | undefined {
  const value = response.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

export class WorkspaceCache {
  private readonly workspaces = new Map<string, Promise<WorkspaceState>>();
  private readonly downloads = new Map<string, Promise<RevisionEntry>>();

  constructor(private readonly options: WorkspaceCacheOptions) {}

  /** Creates the cache root and removes what an interrupted run left half-done. */
  async init(): Promise<void> {
    await mkdir(this.options.rootDir, { recursive: true });
    for (const ws of await readdir(this.options.rootDir, { withFileTypes: true })) {
      if (!ws.isDirectory()) continue;
      const wsDir = join(this.options.rootDir, ws.name);
      for (const rev of await readdir(wsDir, { withFileTypes: true })) {
        if (rev.name.startsWith('.tmp-') || rev.name.startsWith('.trash-')) {
          await rm(join(wsDir, rev.name), { recursive: true, force: true });
        }
      }
    }
  }

  /** The workspace at `revision` (or the server's current one), extracted and leased. */
  async acquire(workspace: string, revision?: string): Promise<WorkspaceLease> {
    const state = await this.stateOf(workspace);
    const cached = revision ? state.revisions.get(dirName(revision)) : undefined;
    const entry = cached ?? (await this.download(workspace, state, revision));
    entry.leases++;
    entry.lastUsed = Date.now();
    let released = false;
    this.prune(state);
    return {
      workspace,
      revision: entry.revision,
      dir: entry.dir,
      release: () => {
        if (released) return;
        released = true;
        entry.leases--;
        entry.lastUsed = Date.now();
        this.prune(state);
      },
    };
  }

  /** Revisions on disk for `workspace` (for tests and diagnostics). */
  async revisionsOnDisk(workspace: string): Promise<string[]> {
    const dir = join(this.options.rootDir, dirName(workspace));
    const names = await readdir(dir).catch(() => [] as string[]);
    return names.filter((n) => !n.startsWith('.')).sort();
  }

  private stateOf(workspace: string): Promise<WorkspaceState> {
    let state = this.workspaces.get(workspace);
    if (!state) {
      state = this.loadState(workspace).catch((err: unknown) => {
        this.workspaces.delete(workspace);
        throw err;
      });
      this.workspaces.set(workspace, state);
    }
    return state;
  }

  private async loadState(workspace: string): Promise<WorkspaceState> {
    const dir = join(this.options.rootDir, dirName(workspace));
    const state: WorkspaceState = { dir, revisions: new Map() };
    await mkdir(dir, { recursive: true });
    // Revisions a previous run extracted are complete (they were renamed into place).
    for (const name of await readdir(dir)) {
      if (name.startsWith('.') || state.revisions.has(name)) continue;
      const info = await stat(join(dir, name)).catch(() => undefined);
      if (info?.isDirectory()) {
        state.revisions.set(name, {
          revision: name,
          dir: join(dir, name),
          leases: 0,
          lastUsed: info.mtimeMs,
        });
      }
    }
    return state;
  }

  private download(
    workspace: string,
    state: WorkspaceState,
    revision: string | undefined,
  ): Promise<RevisionEntry> {
    const key = `${workspace}\u0000${revision ?? ''}`;
    let pending = this.downloads.get(key);
    if (!pending) {
      pending = retryTransient(() => this.fetchRevision(workspace, state, revision), {
        maxAttempts: this.options.downloadAttempts ?? 3,
        baseMs: 500,
        onRetry: (err, attempt, waitMs) =>
          this.options.logger.warn(
            { workspace, revision, attempt, err: (err as Error).message },
            `workspace download failed, retrying in ${waitMs} ms`,
          ),
      })
        .catch((err: unknown) => {
          throw new WorkspaceDownloadError(
            `Workspace tarball download failed: ${(err as Error).message}`,
          );
        })
        .finally(() => this.downloads.delete(key));
      this.downloads.set(key, pending);
    }
    return pending;
  }

  private async fetchRevision(
    workspace: string,
    state: WorkspaceState,
    revision: string | undefined,
  ): Promise<RevisionEntry> {
    const known =
      state.latest && state.revisions.has(dirName(state.latest)) ? state.latest : undefined;
    const response = await this.options.client.downloadWorkspace(workspace, revision, known);
    const what = `workspace '${workspace}'${revision ? ` revision ${revision}` : ''}`;

    if (response.status === 304) {
      response.body.resume();
      const same = unquoteEtag(header(response, 'etag')) ?? known;
      const entry = same ? state.revisions.get(dirName(same)) : undefined;
      if (!entry)
        throw new Error(
          `${what}: the server answered 304 for a revision this worker does not hold`,
        );
      return entry;
    }
    if (response.status !== 200) {
      const body = await readSome(response);
      const detail = body ? `: ${body}` : '';
      const message = `${what}: HTTP ${response.status}${detail}`;
      // A 5xx is worth another attempt; a 404 (unknown workspace or revision) is not.
      throw new ServerApiError(message, response.status, response.status >= 500);
    }

    const served =
      header(response, 'x-revision') ?? unquoteEtag(header(response, 'etag')) ?? revision;
    if (!served) {
      response.body.resume();
      throw new Error(`${what}: the server sent no X-Revision or ETag`);
    }
    if (revision && served !== revision) {
      this.options.logger.warn(
        { workspace, revision, served },
        'server sent another revision than the pinned one',
      );
    }
    const name = dirName(served);
    let entry = state.revisions.get(name);
    if (entry) {
      response.body.resume();
    } else {
      const target = join(state.dir, name);
      const tmp = join(state.dir, `.tmp-${randomUUID()}`);
      await mkdir(tmp, { recursive: true });
      try {
        await pipeline(response.body, extractTar({ cwd: tmp, strict: true }));
        await rename(tmp, target);
      } catch (err) {
        await rm(tmp, { recursive: true, force: true });
        throw err;
      }
      entry = { revision: served, dir: target, leases: 0, lastUsed: Date.now() };
      state.revisions.set(name, entry);
      this.options.logger.info({ workspace, revision: served }, 'workspace revision extracted');
    }
    if (!revision) state.latest = served;
    return entry;
  }

  private prune(state: WorkspaceState): void {
    const byRecency = [...state.revisions.entries()].sort((a, b) => b[1].lastUsed - a[1].lastUsed);
    for (const [name, entry] of byRecency.slice(this.options.maxRetainedRevisions)) {
      if (entry.leases > 0) continue;
      state.revisions.delete(name);
      const trash = join(state.dir, `.trash-${randomUUID()}`);
      try {
        renameSync(entry.dir, trash);
      } catch (err) {
        this.options.logger.warn(
          { dir: entry.dir, err: (err as Error).message },
          'could not prune a workspace revision',
        );
        continue;
      }
      void rm(trash, { recursive: true, force: true }).catch((err: unknown) =>
        this.options.logger.warn(
          { dir: trash, err: (err as Error).message },
          'could not delete a pruned workspace revision',
        ),
      );
    }
  }
}

async function readSome(response: StreamResponse): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of response.body as AsyncIterable<Buffer>) {
    if (size < 2000) chunks.push(chunk);
    size += chunk.length;
  }
  const text = Buffer.concat(chunks).toString('utf8').slice(0, 300);
  try {
    const parsed = JSON.parse(text) as { error?: unknown };
    if (typeof parsed.error === 'string') return parsed.error;
  } catch {
    // not JSON
  }
  return text.trim();
}
