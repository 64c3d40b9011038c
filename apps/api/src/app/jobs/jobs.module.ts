import { Module } from '@nestjs/common';
import { LogsModule } from '../logs/logs.module';
import { OrchestratorModule } from '../orchestrator/orchestrator.module';
import { WorkspaceModule } from '../workspace/workspace.module';
import { JobAccess } from './job-access.service';
import { JobCancelController } from './job-cancel.controller';
import { JobsController } from './jobs.controller';
import { JobsService } from './jobs.service';

/** `/api/jobs…` and `/api/stats`; JobAccess for every route that takes a job id. */
@Module({
  imports: [LogsModule, WorkspaceModule, OrchestratorModule],
  controllers: [JobsController, JobCancelController],
  providers: [JobsService, JobAccess],
  exports: [JobAccess],
})
export class JobsModule {}
