import { Module } from '@nestjs/common';
import { LogsModule } from '../logs/logs.module';
import { OrchestratorModule } from '../orchestrator/orchestrator.module';
import { WorkspaceModule } from '../workspace/workspace.module';
import { HooksService } from './hooks.service';

/** on_success / on_error / on_cancel / on_suspended hooks, fired as `source_type: hook` jobs. */
@Module({
  imports: [WorkspaceModule, LogsModule, OrchestratorModule],
  providers: [HooksService],
})
export class HooksModule {}
