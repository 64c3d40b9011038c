import {
  type DynamicModule,
  Global,
  Inject,
  Module,
  type OnApplicationShutdown,
} from '@nestjs/common';
import {
  ArtifactRepository,
  ClaimRepository,
  createDataSource,
  CredentialRepository,
  JobLineageRepository,
  JobLockRepository,
  JobRepository,
  LogArchiveRepository,
  MetricsRepository,
  RecoveryRepository,
  RetentionRepository,
  StateSnapshotRepository,
  UserRepository,
  WorkerRepository,
} from '@stroem/db';
import type { DataSource } from 'typeorm';

export const DATA_SOURCE = Symbol('DATA_SOURCE');
/** The connection URL, for the dedicated LISTEN connection. */
export const DATABASE_URL = Symbol('DATABASE_URL');

class DataSourceCloser implements OnApplicationShutdown {
  constructor(@Inject(DATA_SOURCE) private readonly ds: DataSource) {}

  async onApplicationShutdown(): Promise<void> {
    if (this.ds.isInitialized) await this.ds.destroy();
  }
}

const repository = <T>(cls: new (ds: DataSource) => T) => ({
  provide: cls,
  useFactory: (ds: DataSource) => new cls(ds),
  inject: [DATA_SOURCE],
});

/** The DataSource (migrated at start) and the libs/db repositories, for every module. */
@Global()
@Module({})
export class DatabaseModule {
  static register(url: string): DynamicModule {
    const providers = [
      { provide: DATABASE_URL, useValue: url },
      {
        provide: DATA_SOURCE,
        useFactory: async () => {
          const ds = createDataSource(url);
          await ds.initialize();
          await ds.runMigrations({ transaction: 'each' });
          return ds;
        },
      },
      DataSourceCloser,
      repository(JobRepository),
      repository(JobLockRepository),
      repository(JobLineageRepository),
      repository(MetricsRepository),
      repository(ClaimRepository),
      repository(WorkerRepository),
      repository(RecoveryRepository),
      repository(UserRepository),
      repository(CredentialRepository),
      repository(LogArchiveRepository),
      repository(RetentionRepository),
      repository(StateSnapshotRepository),
      repository(ArtifactRepository),
    ];
    return {
      module: DatabaseModule,
      providers,
      exports: [
        DATABASE_URL,
        DATA_SOURCE,
        JobRepository,
        JobLockRepository,
        JobLineageRepository,
        MetricsRepository,
        ClaimRepository,
        WorkerRepository,
        RecoveryRepository,
        UserRepository,
        CredentialRepository,
        LogArchiveRepository,
        RetentionRepository,
        StateSnapshotRepository,
        ArtifactRepository,
      ],
    };
  }
}
