import { Controller, Get } from '@nestjs/common';
import { WorkspaceRegistry } from '../workspace/workspace-registry.service';
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
}
