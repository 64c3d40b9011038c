import {
  Inject,
  Injectable,
  Logger,
  type OnModuleDestroy,
  type OnModuleInit,
} from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { notifyWorkspaceRefresh, WORKSPACE_REFRESH_CHANNEL } from '@stroem/db';
import type { DataSource } from 'typeorm';
import { ChannelListener } from '../database/channel-listener';
import { DATA_SOURCE, DATABASE_URL } from '../database/database.module';

/**
 * Carries `POST /api/workspaces/{ws}/refresh` to the other replicas: the replica that refreshed
 * sends `NOTIFY stroem_workspace_refresh '<replica>|<workspace>'`, the others reload that
 * workspace at once instead of on their next poll (which may be minutes away).
 */
@Injectable()
export class WorkspaceRefreshSignal implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(WorkspaceRefreshSignal.name);
  private readonly replicaId = randomUUID();
  private readonly listener: ChannelListener;
  private readonly subscribers = new Set<(workspace: string) => void>();

  constructor(
    @Inject(DATA_SOURCE) private readonly ds: DataSource,
    @Inject(DATABASE_URL) url: string,
  ) {
    this.listener = new ChannelListener(
      url,
      WORKSPACE_REFRESH_CHANNEL,
      { notification: (payload) => this.heard(payload) },
      this.logger,
    );
  }

  /** Calls `listener` with the workspace name whenever another replica forced a refresh. */
  onRemoteRefresh(listener: (workspace: string) => void): void {
    this.subscribers.add(listener);
  }

  /** Tells the other replicas that `workspace` was refreshed here; a failure is only logged. */
  async announce(workspace: string): Promise<void> {
    try {
      await notifyWorkspaceRefresh(this.ds.manager, this.replicaId, workspace);
    } catch (err) {
      this.logger.warn(
        `workspace '${workspace}': could not tell the other replicas about the refresh ` +
          `(${(err as Error).message}); they reload on their next poll`,
      );
    }
  }

  onModuleInit(): Promise<void> {
    return this.listener.start();
  }

  onModuleDestroy(): Promise<void> {
    return this.listener.stop();
  }

  private heard(payload: string | undefined): void {
    if (!payload) return;
    const bar = payload.indexOf('|');
    if (bar < 0 || payload.slice(0, bar) === this.replicaId) return;
    const workspace = payload.slice(bar + 1);
    for (const subscriber of this.subscribers) subscriber(workspace);
  }
}
