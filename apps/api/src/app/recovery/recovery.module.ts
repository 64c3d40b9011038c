import { Module } from '@nestjs/common';
import { LeadershipModule } from '../leadership/leadership.module';
import { LogsModule } from '../logs/logs.module';
import { OrchestratorModule } from '../orchestrator/orchestrator.module';
import { RecoverySweep } from './recovery-sweep.service';
import { RetentionService } from './retention.service';

/**
 * The recovery sweep (dead workers, step / approval / job timeouts, unmatched steps) and
 * retention (old workers, jobs and their logs, archives and artifacts).
 */
@Module({
  imports: [OrchestratorModule, LeadershipModule, LogsModule],
  providers: [RecoverySweep, RetentionService],
  exports: [RecoverySweep, RetentionService],
})
export class RecoveryModule {}
