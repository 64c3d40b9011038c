import { Controller, Get, Param } from '@nestjs/common';
import { notFound } from '../errors/domain-errors';
import { triggerInfo } from '../tasks/task-views';
import { WorkspaceRegistry } from '../workspace/workspace-registry.service';

/** `GET /api/workspaces/{ws}/triggers` (reference §3.1): every trigger with its next runs. */
@Controller('api')
export class TriggersController {
  constructor(private readonly workspaces: WorkspaceRegistry) {}

  @Get('workspaces/:ws/triggers')
  list(@Param('ws') ws: string) {
    const workspace = this.workspaces.get(ws);
    if (!workspace) throw notFound(`Workspace '${ws}' not found`);
    return Object.entries(workspace.current?.config.triggers ?? {})
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([name, trigger]) => triggerInfo(name, trigger));
  }
}
