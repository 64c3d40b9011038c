import { Module } from '@nestjs/common';
import { LeadershipModule } from '../leadership/leadership.module';
import { OrchestratorModule } from '../orchestrator/orchestrator.module';
import { RecoverySweep } from './recovery-sweep.service';

/** The recovery sweep: dead workers, step / approval / job timeouts, unmatched steps. */
@Module({
  imports: [OrchestratorModule, LeadershipModule],
  providers: [RecoverySweep],
  exports: [RecoverySweep],
})
export class RecoveryModule {}
