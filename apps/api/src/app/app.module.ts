import { type DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import type { Logger } from 'pino';
import { ArtifactsModule } from './artifacts/artifacts.module';
import { AuthModule } from './auth/auth.module';
import { ConfigModule } from './config/config.module';
import type { ServerConfig } from './config/server-config';
import { DatabaseModule } from './database/database.module';
import { DispatchModule } from './dispatch/dispatch.module';
import { ApiExceptionFilter } from './errors/api-exception.filter';
import { EventSourcesModule } from './event-sources/event-sources.module';
import { HealthModule } from './health/health.module';
import { MetricsModule } from './health/metrics.module';
import { HooksModule } from './hooks/hooks.module';
import { JobsModule } from './jobs/jobs.module';
import { requestLoggingModule } from './logging/request-logging';
import { LogStreamModule } from './logs/log-stream.module';
import { LogsModule } from './logs/logs.module';
import { OrchestratorModule } from './orchestrator/orchestrator.module';
import { RecoveryModule } from './recovery/recovery.module';
import { SchedulerModule } from './scheduler/scheduler.module';
import { StateModule } from './state/state.module';
import { StorageModule } from './storage/storage.module';
import { TasksModule } from './tasks/tasks.module';
import { WorkerApiModule } from './worker-api/worker-api.module';
import { WebhooksModule } from './webhooks/webhooks.module';
import { WorkersModule } from './workers/workers.module';
import { WorkspaceModule } from './workspace/workspace.module';
import { WorkspacesModule } from './workspaces/workspaces.module';

@Module({})
export class AppModule {
  /**
   * `databaseUrl` is the configured one or the embedded server's; `requestLogger` the pino
   * logger request logs go to.
   */
  static register(config: ServerConfig, databaseUrl: string, requestLogger: Logger): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.register(config),
        DatabaseModule.register(databaseUrl),
        requestLoggingModule(requestLogger),
        MetricsModule,
        WorkspaceModule,
        StorageModule,
        AuthModule,
        LogsModule,
        OrchestratorModule,
        HooksModule,
        DispatchModule,
        RecoveryModule,
        SchedulerModule,
        WorkerApiModule,
        TasksModule,
        WorkspacesModule,
        JobsModule,
        StateModule,
        ArtifactsModule,
        LogStreamModule,
        WorkersModule,
        WebhooksModule,
        EventSourcesModule,
        HealthModule,
      ],
      providers: [{ provide: APP_FILTER, useClass: ApiExceptionFilter }],
    };
  }
}
