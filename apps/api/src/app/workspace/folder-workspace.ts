/**
 * A named workspace (folder or git source): the loaded model of its current revision with the
 * libraries merged in, what validation says about it, and tarballs of recent revisions (so a
 * pinned revision still downloads; a git revision evicted from the cache is rebuilt from its
 * commit).
 */
import { createHash } from 'node:crypto';
import {
  formatDiagnostic,
  loadWorkspace,
  validateWorkspace,
  type Diagnostic,
  type WorkspaceConfig,
} from '@stroem/workflow';
import type { WorkspaceSourceConfig } from '../config/server-config';
import { LIBRARY_DIR, mergeLibraries, type LoadedLibrary } from './libraries';
import { workspaceTarball } from './workspace-files';
import { LibrarySet, sourceDriver, type SourceDriver } from './workspace-source';

const KEPT_TARBALLS = 5;

export interface WorkspaceSnapshot {
  /** The source revision (content hash / commit SHA), `-<libs tag>` appended when libraries exist. */
  revision: string;
  config: WorkspaceConfig;
  /** Load and validation problems, errors first. */
  diagnostics: Diagnostic[];
  /** Library problems (collisions, libraries that failed to load). */
  libraryWarnings: string[];
}

export interface WorkspaceContext {
  cacheDir: string;
  libraries: LibrarySet;
  /** Names a dotted reference may start with: every workspace and library. */
  knownWorkspaces: () => string[];
  /** Revisions unfinished jobs still reference: their tarballs are never evicted. */
  pinnedRevisions: (workspace: string) => Promise<string[]>;
}

function librariesTag(libraries: readonly LoadedLibrary[]): string {
  const hash = createHash('sha256');
  for (const lib of libraries) hash.update(`${lib.name}\0${lib.revision}\0`);
  return hash.digest('hex').slice(0, 10);
}

export class FolderWorkspace {
  private snapshot: WorkspaceSnapshot | undefined;
  private loadError: string | undefined;
  private readonly tarballs = new Map<string, Buffer>();
  private pinned = new Set<string>();
  private readonly driver: SourceDriver;
  private readonly context: WorkspaceContext;

  constructor(
    readonly name: string,
    readonly source: WorkspaceSourceConfig,
    context?: Partial<WorkspaceContext>,
  ) {
    const cacheDir = context?.cacheDir ?? '.data/workspaces';
    this.context = {
      cacheDir,
      libraries: context?.libraries ?? new LibrarySet({}, cacheDir),
      knownWorkspaces: context?.knownWorkspaces ?? (() => []),
      pinnedRevisions: context?.pinnedRevisions ?? (async () => []),
    };
    this.driver = sourceDriver(name, source, cacheDir);
  }

  get current(): WorkspaceSnapshot | undefined {
    return this.snapshot;
  }

  /** Why the workspace could not be loaded (missing folder, git failure…), if so. */
  get error(): string | undefined {
    return this.loadError;
  }

  /** Where the files come from, for logs. */
  get where(): string {
    return this.driver.where;
  }

  /**
   * Re-reads the source when it changed; true when a new revision was loaded. A failure is
   * kept as {@link error} (the previous revision stays served) and rethrown.
   */
  async refresh(force = false): Promise<boolean> {
    try {
      const changed = await this.load(force);
      this.loadError = undefined;
      return changed;
    } catch (err) {
      this.loadError = `workspace '${this.name}': ${(err as Error).message}`;
      throw err;
    }
  }

  private async load(force: boolean): Promise<boolean> {
    const sourceRevision = await this.driver.peek();
    const libs = await this.context.libraries.current(force);
    const revision =
      libs.libraries.length > 0
        ? `${sourceRevision}-${librariesTag(libs.libraries)}`
        : sourceRevision;
    if (revision === this.snapshot?.revision) {
      const same = this.snapshot.libraryWarnings.join('\n') === libs.warnings.join('\n');
      if (same) return false;
    }
    const dir = await this.driver.checkout(sourceRevision);
    const loaded = await loadWorkspace(dir);
    const merged = mergeLibraries(loaded.config, libs.libraries);
    loaded.config = merged.config;
    const diagnostics = [
      ...loaded.diagnostics,
      ...validateWorkspace(loaded, { knownWorkspaces: this.context.knownWorkspaces() }),
    ].sort((a, b) => Number(a.severity !== 'error') - Number(b.severity !== 'error'));
    const tarball = await this.buildTarball(dir, libs.libraries);
    this.pinned = new Set(await this.context.pinnedRevisions(this.name).catch(() => []));
    this.remember(revision, tarball);
    this.snapshot = {
      revision,
      config: loaded.config,
      diagnostics,
      libraryWarnings: [...libs.warnings, ...merged.warnings],
    };
    return true;
  }

  private buildTarball(dir: string, libraries: readonly LoadedLibrary[]): Promise<Buffer> {
    return workspaceTarball(
      dir,
      libraries.map((lib) => ({ prefix: `${LIBRARY_DIR}/${lib.name}`, dir: lib.dir })),
    );
  }

  /** Keeps the last {@link KEPT_TARBALLS} tarballs, plus those of pinned revisions. */
  private remember(revision: string, tarball: Buffer): void {
    this.tarballs.delete(revision);
    this.tarballs.set(revision, tarball);
    let excess = this.tarballs.size - KEPT_TARBALLS;
    for (const key of [...this.tarballs.keys()]) {
      if (excess <= 0) break;
      if (key === revision || this.pinned.has(key)) continue;
      this.tarballs.delete(key);
      excess--;
    }
  }

  /**
   * The tarball of `revision` (default: current). A git revision no longer cached is rebuilt
   * from its commit when the libraries it was built with are still the current ones.
   */
  async tarball(revision?: string): Promise<{ revision: string; data: Buffer } | undefined> {
    const wanted = revision ?? this.snapshot?.revision;
    if (wanted === undefined) return undefined;
    const cached = this.tarballs.get(wanted);
    if (cached) {
      this.remember(wanted, cached);
      return { revision: wanted, data: cached };
    }
    const current = this.snapshot?.revision ?? '';
    const [sourceRevision, tag] = wanted.split('-');
    if ((tag ?? '') !== (current.split('-')[1] ?? '')) return undefined;
    if (!(await this.driver.canRestore(sourceRevision))) return undefined;
    const libs = await this.context.libraries.current();
    const dir = await this.driver.checkout(sourceRevision);
    const data = await this.buildTarball(dir, libs.libraries);
    this.remember(wanted, data);
    return { revision: wanted, data };
  }

  errors(): string[] {
    return (this.snapshot?.diagnostics ?? [])
      .filter((d) => d.severity === 'error')
      .map((d) => formatDiagnostic(d));
  }

  warnings(): string[] {
    return [
      ...(this.snapshot?.diagnostics ?? [])
        .filter((d) => d.severity === 'warning')
        .map((d) => formatDiagnostic(d)),
      ...(this.snapshot?.libraryWarnings ?? []),
    ];
  }
}

/** The same class under the name it has now that sources are not only folders. */
export { FolderWorkspace as Workspace };
