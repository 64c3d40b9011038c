import { Module } from '@nestjs/common';
import { EventSourcesModule } from '../event-sources/event-sources.module';
import { LeadershipModule } from '../leadership/leadership.module';
import { OrchestratorModule } from '../orchestrator/orchestrator.module';
import { RecoveryModule } from '../recovery/recovery.module';
import { SchedulerModule } from '../scheduler/scheduler.module';
import { HealthController } from './health.controller';
import { MetricsController } from './metrics.controller';
import { JobMetricsService } from './job-metrics.service';
import { ServerStatus } from './server-status.service';

/** `/healthz`, `/healthz/detail` and `/metrics`. */
@Module({
  imports: [
    LeadershipModule,
    OrchestratorModule,
    SchedulerModule,
    RecoveryModule,
    EventSourcesModule,
  ],
  controllers: [HealthController, MetricsController],
  providers: [ServerStatus, JobMetricsService],
})
export class HealthModule {}
