import { Module } from '@nestjs/common';
import { OrchestratorModule } from '../orchestrator/orchestrator.module';
import { WorkspaceModule } from '../workspace/workspace.module';
import { TasksController } from './tasks.controller';
import { TasksService } from './tasks.service';

/** `/api/tasks`, `/api/workspaces/{ws}/tasks…` and execute. */
@Module({
  imports: [WorkspaceModule, OrchestratorModule],
  controllers: [TasksController],
  providers: [TasksService],
})
export class TasksModule {}
