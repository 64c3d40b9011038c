import { Module } from '@nestjs/common';
import { LogsModule } from '../logs/logs.module';
import { WorkspaceModule } from '../workspace/workspace.module';
import { JobsController } from './jobs.controller';
import { JobsService } from './jobs.service';

/** `/api/jobs…` and `/api/stats`. */
@Module({
  imports: [LogsModule, WorkspaceModule],
  controllers: [JobsController],
  providers: [JobsService],
})
export class JobsModule {}
