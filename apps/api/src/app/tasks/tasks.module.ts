import { Module } from '@nestjs/common';
import { JobsModule } from '../jobs/jobs.module';
import { OrchestratorModule } from '../orchestrator/orchestrator.module';
import { WorkspaceModule } from '../workspace/workspace.module';
import { TasksController } from './tasks.controller';
import { TasksService } from './tasks.service';

/** `/api/tasks`, `/api/workspaces/{ws}/tasks…` and execute. */
@Module({
  imports: [WorkspaceModule, OrchestratorModule, JobsModule],
  controllers: [TasksController],
  providers: [TasksService],
})
export class TasksModule {}
