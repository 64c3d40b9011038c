import { type DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { AuthModule } from './auth/auth.module';
import { ConfigModule } from './config/config.module';
import type { ServerConfig } from './config/server-config';
import { DatabaseModule } from './database/database.module';
import { DispatchModule } from './dispatch/dispatch.module';
import { ApiExceptionFilter } from './errors/api-exception.filter';
import { EventSourcesModule } from './event-sources/event-sources.module';
import { HealthModule } from './health/health.module';
import { HooksModule } from './hooks/hooks.module';
import { JobsModule } from './jobs/jobs.module';
import { LogsModule } from './logs/logs.module';
import { OrchestratorModule } from './orchestrator/orchestrator.module';
import { RecoveryModule } from './recovery/recovery.module';
import { SchedulerModule } from './scheduler/scheduler.module';
import { StorageModule } from './storage/storage.module';
import { TasksModule } from './tasks/tasks.module';
import { WorkerApiModule } from './worker-api/worker-api.module';
import { WebhooksModule } from './webhooks/webhooks.module';
import { WorkersModule } from './workers/workers.module';
import { WorkspaceModule } from './workspace/workspace.module';
import { WorkspacesModule } from './workspaces/workspaces.module';

@Module({})
export class AppModule {
  /** `databaseUrl` is the configured one or the embedded server's. */
  static register(config: ServerConfig, databaseUrl: string): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.register(config),
        DatabaseModule.register(databaseUrl),
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
        WorkersModule,
        WebhooksModule,
        EventSourcesModule,
        HealthModule,
      ],
      providers: [{ provide: APP_FILTER, useClass: ApiExceptionFilter }],
    };
  }
}
