export { createDataSource, ENTITIES, MIGRATIONS } from './lib/data-source';
export { WorkerEntity } from './lib/entities/worker.entity';
export { JobEntity } from './lib/entities/job.entity';
export { JobStepEntity } from './lib/entities/job-step.entity';
export type { RetryHistoryEntry } from './lib/entities/job-step.entity';
export { WorkerRepository } from './lib/repositories/worker.repository';
export type { WorkerRegistration } from './lib/repositories/worker.repository';
export { JobRepository } from './lib/repositories/job.repository';
export {
  EventSourceRepository,
  type EventSourceConsumerRow,
} from './lib/repositories/event-source.repository';
export type {
  JobListFilter,
  JobStatusCounts,
  JobWithSteps,
} from './lib/repositories/job.repository';
export {
  ClaimRepository,
  SERVER_DISPATCHED_ACTION_TYPES,
} from './lib/repositories/claim.repository';
export type { ClaimRequest, ClaimedStep } from './lib/repositories/claim.repository';
export { JobLockRepository } from './lib/repositories/job-lock.repository';
export { JobLineageRepository } from './lib/repositories/job-lineage.repository';
export { MetricsRepository, type MetricsSnapshot } from './lib/repositories/metrics.repository';
export {
  LogArchiveRepository,
  type PendingLogArchive,
} from './lib/repositories/log-archive.repository';
export { RetentionRepository, type ExpiredJob } from './lib/repositories/retention.repository';
export type { LockedJob } from './lib/repositories/job-lock.repository';
export { STEP_READY_CHANNEL } from './lib/step-ready-notice';
export { JOB_CANCELLED_CHANNEL } from './lib/job-cancelled-notice';
export { JOB_LOG_CHUNK_CHANNEL, notifyJobLogChunks } from './lib/job-log-chunk-notice';
export { WORKSPACE_REFRESH_CHANNEL, notifyWorkspaceRefresh } from './lib/workspace-refresh-notice';
export { RecoveryRepository } from './lib/repositories/recovery.repository';
export type { SweptJob, SweptStep } from './lib/repositories/recovery.repository';
export { SchedulerRepository } from './lib/repositories/scheduler.repository';
export type { SkippedJob } from './lib/repositories/scheduler.repository';
export {
  DEFAULT_EMBEDDED_PORT,
  EMBEDDED_DATABASE,
  EmbeddedPostgresError,
  reachableDataDir,
  startEmbeddedPostgres,
} from './lib/embedded-postgres';
export type { EmbeddedPostgresHandle, EmbeddedPostgresOptions } from './lib/embedded-postgres';
export { UserRepository } from './lib/repositories/user.repository';
export type {
  NewUser,
  OidcIdentity,
  OidcProvisioning,
  UserRow,
} from './lib/repositories/user.repository';
export { CredentialRepository } from './lib/repositories/credential.repository';
export type { ApiKeyRow, RefreshOutcome } from './lib/repositories/credential.repository';
export { StateSnapshotRepository } from './lib/repositories/state-snapshot.repository';
export type {
  NewStateSnapshot,
  StateSnapshotRow,
} from './lib/repositories/state-snapshot.repository';
export { ArtifactRepository } from './lib/repositories/artifact.repository';
export type { ArtifactRow, NewArtifact } from './lib/repositories/artifact.repository';
