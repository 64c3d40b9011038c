import { Module } from '@nestjs/common';
import { SchedulerRepository } from '@stroem/db';
import type { DataSource } from 'typeorm';
import { DATA_SOURCE } from '../database/database.module';
import { LeadershipModule } from '../leadership/leadership.module';
import { OrchestratorModule } from '../orchestrator/orchestrator.module';
import { WorkspaceModule } from '../workspace/workspace.module';
import { SchedulerService } from './scheduler.service';
import { TriggersController } from './triggers.controller';

/** The cron scheduler (leader only) and the triggers endpoint. */
@Module({
  imports: [WorkspaceModule, OrchestratorModule, LeadershipModule],
  controllers: [TriggersController],
  providers: [
    {
      provide: SchedulerRepository,
      useFactory: (ds: DataSource) => new SchedulerRepository(ds),
      inject: [DATA_SOURCE],
    },
    SchedulerService,
  ],
  exports: [SchedulerService],
})
export class SchedulerModule {}
