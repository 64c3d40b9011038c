import { Module } from '@nestjs/common';
import { JobsModule } from '../jobs/jobs.module';
import { OrchestratorModule } from '../orchestrator/orchestrator.module';
import { ApprovalService } from './approval.service';
import { ApprovalsController } from './approvals.controller';

/**
 * Approval decisions over HTTP. Sub-job dispatch and approval suspension themselves run inside
 * orchestration (DispatchService, provided by OrchestratorModule, which they recurse with).
 */
@Module({
  imports: [OrchestratorModule, JobsModule],
  controllers: [ApprovalsController],
  providers: [ApprovalService],
})
export class DispatchModule {}
