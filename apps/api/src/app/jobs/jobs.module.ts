import { Module } from '@nestjs/common';
import { LogsModule } from '../logs/logs.module';
import { OrchestratorModule } from '../orchestrator/orchestrator.module';
import { WorkspaceModule } from '../workspace/workspace.module';
import { JobCancelController } from './job-cancel.controller';
import { JobsController } from './jobs.controller';
import { JobsService } from './jobs.service';

/** `/api/jobs…` and `/api/stats`. */
@Module({
  imports: [LogsModule, WorkspaceModule, OrchestratorModule],
  controllers: [JobsController, JobCancelController],
  providers: [JobsService],
})
export class JobsModule {}
