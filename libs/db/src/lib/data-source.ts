import { DataSource } from 'typeorm';
import { InitialSchema1767225600000 } from '../migrations/1767225600000-InitialSchema';
import { JobTerminalActions1767312000000 } from '../migrations/1767312000000-JobTerminalActions';
import { SchedulerTriggerState1767484800000 } from '../migrations/1767484800000-SchedulerTriggerState';
import { EventSourceConsumers1767571200000 } from '../migrations/1767571200000-EventSourceConsumers';
import { Users1767657600000 } from '../migrations/1767657600000-Users';
import { JobLogArchive1767830400000 } from '../migrations/1767830400000-JobLogArchive';
import { StateAndArtifacts1767916800000 } from '../migrations/1767916800000-StateAndArtifacts';
import { JobStepEntity } from './entities/job-step.entity';
import { JobEntity } from './entities/job.entity';
import { WorkerEntity } from './entities/worker.entity';

export const ENTITIES = [WorkerEntity, JobEntity, JobStepEntity];
export const MIGRATIONS = [
  InitialSchema1767225600000,
  JobTerminalActions1767312000000,
  SchedulerTriggerState1767484800000,
  EventSourceConsumers1767571200000,
  Users1767657600000,
  JobLogArchive1767830400000,
  StateAndArtifacts1767916800000,
];

/**
 * The one TypeORM DataSource definition (not yet initialised). The schema comes only from the
 * versioned migrations: `synchronize` stays off; call `runMigrations()` after `initialize()`.
 */
export function createDataSource(url: string, options: { poolSize?: number } = {}): DataSource {
  return new DataSource({
    type: 'postgres',
    url,
    entities: ENTITIES,
    migrations: MIGRATIONS,
    migrationsTableName: 'typeorm_migrations',
    synchronize: false,
    migrationsRun: false,
    logging: false,
    poolSize: options.poolSize ?? 10,
  });
}
