import {
  Inject,
  Injectable,
  Logger,
  Optional,
  type OnModuleDestroy,
  type OnModuleInit,
} from '@nestjs/common';
import * as path from 'node:path';
import { JobRepository } from '@stroem/db';
import type { ActionDef } from '@stroem/workflow';
import { Subject, type Observable } from 'rxjs';
import { SERVER_CONFIG, type ServerConfig } from '../config/server-config';
import { FolderWorkspace } from './folder-workspace';
import { WorkspaceRefreshSignal } from './workspace-refresh-signal.service';
import { LibrarySet } from './workspace-source';

/** Emitted after a workspace loaded a new revision (the scheduler re-reads its triggers). */
export interface WorkspaceReloaded {
  workspace: string;
  revision: string;
}

/** Why a forced refresh was refused (cooldown or another refresh in flight). */
export class RefreshThrottledError extends Error {
  constructor(readonly retryAfterSecs: number) {
    super('Workspace refresh rate limited, try again later');
  }
}

export const REFRESH_COOLDOWN_MS = 5000;

/** The configured workspaces, loaded at start and re-read when their sources change. */
@Injectable()
export class WorkspaceRegistry implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(WorkspaceRegistry.name);
  private readonly workspaces = new Map<string, FolderWorkspace>();
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly inFlight = new Map<string, Promise<boolean>>();
  private readonly lastForced = new Map<string, number>();
  private readonly reloadSubject = new Subject<WorkspaceReloaded>();
  readonly libraries: LibrarySet;

  /** Every new revision of every workspace. */
  readonly reloads$: Observable<WorkspaceReloaded> = this.reloadSubject.asObservable();

  constructor(
    @Inject(SERVER_CONFIG) config: ServerConfig,
    @Optional() jobs?: JobRepository,
    @Optional() private readonly refreshSignal?: WorkspaceRefreshSignal,
  ) {
    const cacheDir = path.resolve(config.workspace_cache_dir ?? '.data/workspaces');
    this.libraries = new LibrarySet(config.libraries ?? {}, cacheDir);
    const knownWorkspaces = () => [...this.workspaces.keys(), ...this.libraries.names];
    const pinnedRevisions = async (name: string) => (jobs ? jobs.activeRevisions(name) : []);
    for (const [name, source] of Object.entries(config.workspaces)) {
      this.workspaces.set(
        name,
        new FolderWorkspace(name, source, {
          cacheDir,
          libraries: this.libraries,
          knownWorkspaces,
          pinnedRevisions,
        }),
      );
    }
  }

  async onModuleInit(): Promise<void> {
    this.refreshSignal?.onRemoteRefresh((name) => void this.followRemoteRefresh(name));
    await Promise.all([...this.workspaces.values()].map((ws) => this.refresh(ws)));
    for (const ws of this.workspaces.values()) {
      const timer = setInterval(() => void this.refresh(ws), ws.source.poll_interval_secs * 1000);
      timer.unref();
      this.timers.push(timer);
    }
  }

  onModuleDestroy(): void {
    for (const timer of this.timers) clearInterval(timer);
    this.reloadSubject.complete();
  }

  get(name: string): FolderWorkspace | undefined {
    return this.workspaces.get(name);
  }

  list(): FolderWorkspace[] {
    return [...this.workspaces.values()];
  }

  /**
   * A cross-workspace action reference (reference §2.7): `other.action` where `other` is a
   * loaded workspace that has `action`; the owner's current revision is the one pinned.
   */
  resolveForeignAction(
    _from: string,
    name: string,
  ): { action: ActionDef; workspace: string; revision: string } | undefined {
    const dot = name.indexOf('.');
    if (dot <= 0) return undefined;
    const owner = this.workspaces.get(name.slice(0, dot))?.current;
    const key = name.slice(dot + 1);
    if (!owner || key.startsWith('_inline:') || !Object.hasOwn(owner.config.actions, key))
      return undefined;
    return {
      action: owner.config.actions[key],
      workspace: name.slice(0, dot),
      revision: owner.revision,
    };
  }

  /** Subscribes to new revisions; returns the unsubscribe function. */
  onReload(listener: (event: WorkspaceReloaded) => void): () => void {
    const sub = this.reloads$.subscribe(listener);
    return () => sub.unsubscribe();
  }

  /** Reloads one workspace now if its source changed (the poll). Never throws. */
  async refresh(ws: FolderWorkspace): Promise<void> {
    try {
      await this.reload(ws, false);
    } catch {
      // kept as ws.error and logged by reload()
    }
  }

  /**
   * `POST /api/workspaces/{ws}/refresh`: reloads now, refused within the cooldown or while
   * another refresh of it runs. Throws the load failure.
   */
  async forceRefresh(ws: FolderWorkspace): Promise<string | null> {
    const last = this.lastForced.get(ws.name) ?? 0;
    const wait = last + REFRESH_COOLDOWN_MS - Date.now();
    if (wait > 0) throw new RefreshThrottledError(Math.ceil(wait / 1000));
    if (this.inFlight.has(ws.name)) throw new RefreshThrottledError(1);
    this.lastForced.set(ws.name, Date.now());
    await this.reload(ws, true);
    await this.refreshSignal?.announce(ws.name);
    return ws.current?.revision ?? null;
  }

  /**
   * Another replica forced a refresh of `name`: reload it here too. A reload already running may
   * have read the source before the change, so a new one follows it. Never throws.
   */
  private async followRemoteRefresh(name: string): Promise<void> {
    const ws = this.workspaces.get(name);
    if (!ws) return;
    await this.inFlight.get(name)?.catch(() => undefined);
    try {
      await this.reload(ws, true);
    } catch {
      // kept as ws.error and logged by reload()
    }
  }

  private reload(ws: FolderWorkspace, force: boolean): Promise<boolean> {
    const running = this.inFlight.get(ws.name);
    if (running) return running;
    const run = this.doReload(ws, force).finally(() => this.inFlight.delete(ws.name));
    this.inFlight.set(ws.name, run);
    return run;
  }

  private async doReload(ws: FolderWorkspace, force: boolean): Promise<boolean> {
    const hadError = ws.error !== undefined;
    let changed: boolean;
    try {
      changed = await ws.refresh(force);
    } catch (err) {
      if (!hadError) this.logger.warn(ws.error ?? `workspace '${ws.name}': ${String(err)}`);
      throw err;
    }
    if (hadError) this.logger.log(`workspace '${ws.name}' recovered`);
    if (!changed) return false;
    const errors = ws.errors();
    const revision = ws.current?.revision ?? '';
    this.logger.log(
      `workspace '${ws.name}' loaded revision ${revision} from ${ws.where}` +
        (errors.length > 0 ? ` with ${errors.length} validation error(s): ${errors[0]}` : ''),
    );
    this.reloadSubject.next({ workspace: ws.name, revision });
    return true;
  }
}
