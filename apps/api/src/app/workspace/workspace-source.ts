/**
 * Where a workspace's (or library's) files come from: a folder (revision = content hash, the
 * folder itself is the checkout) or a git remote (revision = commit SHA, one worktree each).
 */
import { loadWorkspace } from '@stroem/workflow';
import type { WorkspaceSourceConfig } from '../config/server-config';
import { GitSource } from './git-source';
import type { LoadedLibrary } from './libraries';
import { workspaceRevision } from './workspace-files';

export interface SourceDriver {
  readonly kind: 'folder' | 'git';
  /** Human description for logs (`/srv/ws`, `https://host/repo.git@main`). */
  readonly where: string;
  /** The current revision, cheaply (folder hash, `git ls-remote`). */
  peek(): Promise<string>;
  /** A directory holding `revision`'s files. */
  checkout(revision: string): Promise<string>;
  /** True when an older revision can still be checked out (git: any commit fetched before). */
  canRestore(revision: string): Promise<boolean>;
}

export function sourceDriver(
  label: string,
  source: WorkspaceSourceConfig,
  cacheDir: string,
): SourceDriver {
  if (source.type === 'git') {
    const git = new GitSource(label, source, cacheDir);
    return {
      kind: 'git',
      where: `${source.url.replace(/^([a-z+]+:\/\/)[^@/]*@/i, '$1')}@${source.ref}`,
      peek: () => git.peek(),
      checkout: (rev) => git.checkout(rev),
      canRestore: (rev) => git.hasCommit(rev),
    };
  }
  return {
    kind: 'folder',
    where: source.path,
    peek: async () => {
      try {
        return await workspaceRevision(source.path);
      } catch (err) {
        throw new Error(`cannot read ${source.path}: ${(err as Error).message}`);
      }
    },
    checkout: async () => source.path,
    canRestore: async () => false,
  };
}

interface LibraryState {
  name: string;
  driver: SourceDriver;
  pollMs: number;
  peekedAt: number;
  loaded?: LoadedLibrary;
  error?: string;
}

/**
 * The server's libraries, shared by every workspace. Each is re-peeked at most once per its
 * poll interval; a library that fails to load is left out and reported as a warning.
 */
export class LibrarySet {
  private readonly libs: LibraryState[];

  constructor(sources: Record<string, WorkspaceSourceConfig>, cacheDir: string) {
    this.libs = Object.entries(sources).map(([name, source]) => ({
      name,
      driver: sourceDriver(`lib-${name}`, source, cacheDir),
      pollMs: source.poll_interval_secs * 1000,
      peekedAt: 0,
    }));
  }

  get names(): string[] {
    return this.libs.map((l) => l.name);
  }

  /** The loaded libraries (reloading changed ones) and the problems of those left out. */
  async current(force = false): Promise<{ libraries: LoadedLibrary[]; warnings: string[] }> {
    const warnings: string[] = [];
    for (const lib of this.libs) {
      if (force || !lib.loaded || Date.now() - lib.peekedAt >= lib.pollMs) {
        lib.peekedAt = Date.now();
        try {
          const revision = await lib.driver.peek();
          if (revision !== lib.loaded?.revision) {
            const dir = await lib.driver.checkout(revision);
            const loaded = await loadWorkspace(dir);
            lib.loaded = { name: lib.name, revision, dir, config: loaded.config };
          }
          lib.error = undefined;
        } catch (err) {
          lib.error = `library '${lib.name}': ${(err as Error).message}`;
        }
      }
      if (lib.error) warnings.push(lib.error);
    }
    return {
      libraries: this.libs.flatMap((l) => (l.loaded ? [l.loaded] : [])),
      warnings,
    };
  }
}
