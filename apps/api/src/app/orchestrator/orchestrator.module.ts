import { Module } from '@nestjs/common';
import { LogsModule } from '../logs/logs.module';
import { WorkspaceModule } from '../workspace/workspace.module';
import { JobCreatorService } from './job-creator.service';
import { RetryWakeup } from './retry-wakeup.service';
import { StepClaimService } from './step-claim.service';
import { StepCompletionService } from './step-completion.service';

/** Job creation, claim-time rendering, completion, retries, promotion and verdicts. */
@Module({
  imports: [WorkspaceModule, LogsModule],
  providers: [JobCreatorService, StepClaimService, StepCompletionService, RetryWakeup],
  exports: [JobCreatorService, StepClaimService, StepCompletionService],
})
export class OrchestratorModule {}
