import { Module } from '@nestjs/common';
import { OrchestratorModule } from '../orchestrator/orchestrator.module';
import { WorkspaceModule } from '../workspace/workspace.module';
import { JobWaiter } from './job-waiter.service';
import { WebhooksController } from './webhooks.controller';
import { WebhooksService } from './webhooks.service';

/** `/hooks/{name}`: webhook triggers, sync waits, the job-status endpoint. */
@Module({
  imports: [WorkspaceModule, OrchestratorModule],
  controllers: [WebhooksController],
  providers: [WebhooksService, JobWaiter],
  exports: [JobWaiter],
})
export class WebhooksModule {}
