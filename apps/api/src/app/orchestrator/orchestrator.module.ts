import { Module } from '@nestjs/common';
import { DispatchService } from '../dispatch/dispatch.service';
import { JOB_DISPATCH } from '../dispatch/job-dispatch.token';
import { LogsModule } from '../logs/logs.module';
import { StateModule } from '../state/state.module';
import { WorkspaceModule } from '../workspace/workspace.module';
import { JobCancellationService } from './job-cancellation.service';
import { JobCreatorService } from './job-creator.service';
import { JobEndedService } from './job-ended.service';
import { RetryWakeup } from './retry-wakeup.service';
import { StepClaimService } from './step-claim.service';
import { StepCompletionService } from './step-completion.service';
import { TaskRetryService } from './task-retry.service';

/**
 * Job creation, claim-time rendering, completion, retries (step and task level), promotion,
 * verdicts, cancellation, and the terminal actions of a job that has ended.
 */
@Module({
  imports: [WorkspaceModule, LogsModule, StateModule],
  providers: [
    JobCreatorService,
    StepClaimService,
    StepCompletionService,
    RetryWakeup,
    JobCancellationService,
    JobEndedService,
    TaskRetryService,
    DispatchService,
    { provide: JOB_DISPATCH, useExisting: DispatchService },
  ],
  exports: [
    JobCreatorService,
    StepClaimService,
    StepCompletionService,
    JobCancellationService,
    JobEndedService,
    DispatchService,
  ],
})
export class OrchestratorModule {}
