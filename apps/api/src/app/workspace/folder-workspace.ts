/**
 * A workspace served from a folder: the loaded model of its current revision, what validation
 * says about it, and tarballs of recent revisions (so a pinned revision still downloads).
 */
import {
  formatDiagnostic,
  loadWorkspace,
  validateWorkspace,
  type Diagnostic,
  type WorkspaceConfig,
} from '@stroem/workflow';
import type { FolderWorkspaceConfig } from '../config/server-config';
import { workspaceRevision, workspaceTarball } from './workspace-files';

const KEPT_TARBALLS = 5;

export interface WorkspaceSnapshot {
  revision: string;
  config: WorkspaceConfig;
  /** Load and validation problems, errors first. */
  diagnostics: Diagnostic[];
}

export class FolderWorkspace {
  private snapshot: WorkspaceSnapshot | undefined;
  private loadError: string | undefined;
  private readonly tarballs = new Map<string, Buffer>();

  constructor(
    readonly name: string,
    readonly source: FolderWorkspaceConfig,
  ) {}

  get current(): WorkspaceSnapshot | undefined {
    return this.snapshot;
  }

  /** Why the workspace could not be read at all (missing folder…), if so. */
  get error(): string | undefined {
    return this.loadError;
  }

  /** Re-reads the folder when its files changed; true when a new revision was loaded. */
  async refresh(): Promise<boolean> {
    let revision: string;
    try {
      revision = await workspaceRevision(this.source.path);
    } catch (err) {
      this.loadError = `workspace '${this.name}': cannot read ${this.source.path}: ${(err as Error).message}`;
      return false;
    }
    if (revision === this.snapshot?.revision) return false;
    const loaded = await loadWorkspace(this.source.path);
    const diagnostics = [...loaded.diagnostics, ...validateWorkspace(loaded)].sort(
      (a, b) => Number(a.severity !== 'error') - Number(b.severity !== 'error'),
    );
    const tarball = await workspaceTarball(this.source.path);
    this.tarballs.delete(revision);
    this.tarballs.set(revision, tarball);
    while (this.tarballs.size > KEPT_TARBALLS) {
      this.tarballs.delete(this.tarballs.keys().next().value as string);
    }
    this.snapshot = { revision, config: loaded.config, diagnostics };
    this.loadError = undefined;
    return true;
  }

  tarball(revision?: string): { revision: string; data: Buffer } | undefined {
    const wanted = revision ?? this.snapshot?.revision;
    if (wanted === undefined) return undefined;
    const data = this.tarballs.get(wanted);
    return data ? { revision: wanted, data } : undefined;
  }

  errors(): string[] {
    return (this.snapshot?.diagnostics ?? [])
      .filter((d) => d.severity === 'error')
      .map((d) => formatDiagnostic(d));
  }

  warnings(): string[] {
    return (this.snapshot?.diagnostics ?? [])
      .filter((d) => d.severity === 'warning')
      .map((d) => formatDiagnostic(d));
  }
}
