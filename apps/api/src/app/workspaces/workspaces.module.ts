import { Module } from '@nestjs/common';
import { WorkspaceModule } from '../workspace/workspace.module';
import { ServerInfoController } from './server-info.controller';
import { WorkspacesController } from './workspaces.controller';

/** `/api/workspaces` and `/api/config`. */
@Module({ imports: [WorkspaceModule], controllers: [WorkspacesController, ServerInfoController] })
export class WorkspacesModule {}
