import { Controller, Get, HttpCode, Param, Post, Res } from '@nestjs/common';
import type { Response } from 'express';
import { notFound } from '../errors/domain-errors';
import { RefreshThrottledError, WorkspaceRegistry } from '../workspace/workspace-registry.service';
import type { FolderWorkspace } from '../workspace/folder-workspace';

/** Validation never rejects a workspace: its problems are shown here (reference §6). */
function workspaceView(ws: FolderWorkspace) {
  const config = ws.current?.config;
  const errors = ws.errors();
  const warnings = ws.warnings();
  const error =
    ws.error ??
    (errors.length > 0 ? `${errors.length} validation error(s): ${errors.join('; ')}` : undefined);
  return {
    name: ws.name,
    tasks_count: Object.keys(config?.tasks ?? {}).length,
    actions_count: Object.keys(config?.actions ?? {}).length,
    triggers_count: Object.keys(config?.triggers ?? {}).length,
    connections_count: Object.keys(config?.connections ?? {}).length,
    revision: ws.current?.revision ?? null,
    error,
    warnings: warnings.length > 0 ? warnings : undefined,
  };
}

@Controller('api')
export class WorkspacesController {
  constructor(private readonly workspaces: WorkspaceRegistry) {}

  @Get('workspaces')
  list() {
    return this.workspaces.list().map(workspaceView);
  }

  /** Reloads a workspace now: 429 within the 5 s cooldown or while a refresh runs. */
  @Post('workspaces/:ws/refresh')
  @HttpCode(200)
  async refresh(@Param('ws') name: string, @Res({ passthrough: true }) res: Response) {
    const ws = this.workspaces.get(name);
    if (!ws) throw notFound(`Workspace '${name}' not found`);
    try {
      const revision = await this.workspaces.forceRefresh(ws);
      return { workspace: name, revision, refreshed: true };
    } catch (err) {
      if (err instanceof RefreshThrottledError) {
        res.status(429).setHeader('Retry-After', String(err.retryAfterSecs));
        return { error: err.message };
      }
      res.status(500);
      return { error: ws.error ?? `workspace '${name}': ${(err as Error).message}` };
    }
  }
}
