import { Module } from '@nestjs/common';
import { EventSourceRepository } from '@stroem/db';
import type { DataSource } from 'typeorm';
import { DATA_SOURCE } from '../database/database.module';
import { LeadershipModule } from '../leadership/leadership.module';
import { OrchestratorModule } from '../orchestrator/orchestrator.module';
import { WorkspaceModule } from '../workspace/workspace.module';
import { EventSourceEmitController } from './event-source-emit.controller';
import { EventSourceReconciler } from './event-source-reconciler.service';

/** Event sources (reference §2.17.9): consumer reconcile on the leader, the emit endpoint. */
@Module({
  imports: [WorkspaceModule, OrchestratorModule, LeadershipModule],
  controllers: [EventSourceEmitController],
  providers: [
    {
      provide: EventSourceRepository,
      useFactory: (ds: DataSource) => new EventSourceRepository(ds),
      inject: [DATA_SOURCE],
    },
    EventSourceReconciler,
  ],
  exports: [EventSourceReconciler],
})
export class EventSourcesModule {}
