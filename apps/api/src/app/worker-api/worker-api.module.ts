import { Module } from '@nestjs/common';
import { LogsModule } from '../logs/logs.module';
import { OrchestratorModule } from '../orchestrator/orchestrator.module';
import { WorkspaceModule } from '../workspace/workspace.module';
import { ClaimWaiters } from './claim-waiters.service';
import { StepReadyListener } from './step-ready-listener.service';
import { WorkerApiController } from './worker-api.controller';
import { WorkerJobsService } from './worker-jobs.service';
import { WorkerRegistryService } from './worker-registry.service';
import { WorkerWorkspaceController } from './worker-workspace.controller';

/** `/worker`: registration, the long-poll claim, step reports, workspace tarballs. */
@Module({
  imports: [OrchestratorModule, WorkspaceModule, LogsModule],
  controllers: [WorkerApiController, WorkerWorkspaceController],
  providers: [StepReadyListener, ClaimWaiters, WorkerJobsService, WorkerRegistryService],
  exports: [ClaimWaiters],
})
export class WorkerApiModule {}
