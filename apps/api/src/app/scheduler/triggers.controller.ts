import { Controller, Get, Param } from '@nestjs/common';
import { AclService } from '../auth/acl.service';
import { CurrentPrincipal, type Principal } from '../auth/principal';
import { notFound } from '../errors/domain-errors';
import { triggerInfo } from '../tasks/task-views';
import { WorkspaceRegistry } from '../workspace/workspace-registry.service';

/**
 * `GET /api/workspaces/{ws}/triggers` (reference §3.1): every trigger with its next runs, but
 * not those of tasks the ACL hides from the caller.
 */
@Controller('api')
export class TriggersController {
  constructor(
    private readonly workspaces: WorkspaceRegistry,
    private readonly acl: AclService,
  ) {}

  @Get('workspaces/:ws/triggers')
  list(@CurrentPrincipal() principal: Principal | undefined, @Param('ws') ws: string) {
    const workspace = this.workspaces.get(ws);
    if (!workspace) throw notFound(`Workspace '${ws}' not found`);
    return Object.entries(workspace.current?.config.triggers ?? {})
      .filter(([, trigger]) => this.acl.permission(principal, ws, trigger.task) !== 'deny')
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([name, trigger]) => triggerInfo(name, trigger));
  }
}
