import { Module } from '@nestjs/common';
import { JobsModule } from '../jobs/jobs.module';
import { WorkspaceModule } from '../workspace/workspace.module';
import { LogStreamController } from './log-stream.controller';
import { LogStreamGateway } from './log-stream.gateway';
import { LogStreamService } from './log-stream.service';
import { LogsModule } from './logs.module';

/** Live job logs: the WebSocket `/api/jobs/{id}/logs/stream` and the SSE `/api/jobs/{id}/logs/sse`. */
@Module({
  imports: [LogsModule, JobsModule, WorkspaceModule],
  controllers: [LogStreamController],
  providers: [LogStreamService, LogStreamGateway],
  exports: [LogStreamService],
})
export class LogStreamModule {}
