import { Controller, Get, HttpCode, Param, Post, Res } from '@nestjs/common';
import type { Response } from 'express';
import { AclService } from '../auth/acl.service';
import { CurrentPrincipal, type Principal } from '../auth/principal';
import { notFound } from '../errors/domain-errors';
import { RefreshThrottledError, WorkspaceRegistry } from '../workspace/workspace-registry.service';
import type { FolderWorkspace } from '../workspace/folder-workspace';

/** Validation never rejects a workspace: its problems are shown here (reference §6). */
/** `tasksCount`: with the ACL, the tasks the caller sees (hidden ones are not even counted). */
function workspaceView(ws: FolderWorkspace, tasksCount?: number) {
  const config = ws.current?.config;
  const errors = ws.errors();
  const warnings = ws.warnings();
  const error =
    ws.error ??
    (errors.length > 0 ? `${errors.length} validation error(s): ${errors.join('; ')}` : undefined);
  return {
    name: ws.name,
    tasks_count: tasksCount ?? Object.keys(config?.tasks ?? {}).length,
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
  constructor(
    private readonly workspaces: WorkspaceRegistry,
    private readonly acl: AclService,
  ) {}

  /** With the ACL, only workspaces where the caller sees at least one task. */
  @Get('workspaces')
  list(@CurrentPrincipal() principal: Principal | undefined) {
    return this.workspaces
      .list()
      .map((ws) => ({ ws, visible: this.visibleTasks(principal, ws) }))
      .filter(({ visible }) => visible === undefined || visible > 0)
      .map(({ ws, visible }) => workspaceView(ws, visible));
  }

  /** Reloads a workspace now: 429 within the 5 s cooldown or while a refresh runs. */
  @Post('workspaces/:ws/refresh')
  @HttpCode(200)
  async refresh(
    @CurrentPrincipal() principal: Principal | undefined,
    @Param('ws') name: string,
    @Res({ passthrough: true }) res: Response,
  ) {
    const ws = this.workspaces.get(name);
    if (!ws || this.visibleTasks(principal, ws) === 0)
      throw notFound(`Workspace '${name}' not found`);
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

  /** How many of the workspace's tasks the caller sees; undefined when nothing is hidden. */
  private visibleTasks(principal: Principal | undefined, ws: FolderWorkspace): number | undefined {
    if (!this.acl.applies(principal)) return undefined;
    return Object.keys(ws.current?.config.tasks ?? {}).filter(
      (task) => this.acl.permission(principal, ws.name, task) !== 'deny',
    ).length;
  }
}
