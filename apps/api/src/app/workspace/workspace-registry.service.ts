import {
  Inject,
  Injectable,
  Logger,
  type OnModuleDestroy,
  type OnModuleInit,
} from '@nestjs/common';
import { SERVER_CONFIG, type ServerConfig } from '../config/server-config';
import { FolderWorkspace } from './folder-workspace';

/** The configured workspaces, loaded at start and re-read when their files change. */
@Injectable()
export class WorkspaceRegistry implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(WorkspaceRegistry.name);
  private readonly workspaces = new Map<string, FolderWorkspace>();
  private readonly timers: NodeJS.Timeout[] = [];

  constructor(@Inject(SERVER_CONFIG) config: ServerConfig) {
    for (const [name, source] of Object.entries(config.workspaces)) {
      this.workspaces.set(name, new FolderWorkspace(name, source));
    }
  }

  async onModuleInit(): Promise<void> {
    for (const ws of this.workspaces.values()) {
      await this.refresh(ws);
      const timer = setInterval(() => void this.refresh(ws), ws.source.poll_interval_secs * 1000);
      timer.unref();
      this.timers.push(timer);
    }
  }

  onModuleDestroy(): void {
    for (const timer of this.timers) clearInterval(timer);
  }

  get(name: string): FolderWorkspace | undefined {
    return this.workspaces.get(name);
  }

  list(): FolderWorkspace[] {
    return [...this.workspaces.values()];
  }

  /** Reloads one workspace now (tests, and later `POST /api/workspaces/{ws}/refresh`). */
  async refresh(ws: FolderWorkspace): Promise<void> {
    try {
      const changed = await ws.refresh();
      if (ws.error) this.logger.warn(ws.error);
      if (!changed) return;
      const errors = ws.errors();
      this.logger.log(
        `workspace '${ws.name}' loaded revision ${ws.current?.revision} from ${ws.source.path}` +
          (errors.length > 0 ? ` with ${errors.length} validation error(s): ${errors[0]}` : ''),
      );
    } catch (err) {
      this.logger.error(`workspace '${ws.name}': reload failed: ${(err as Error).message}`);
    }
  }
}
