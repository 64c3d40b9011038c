import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnModuleDestroy,
} from '@nestjs/common';
import { RetentionRepository } from '@stroem/db';
import {
  DEFAULT_RETENTION_INTERVAL_SECS,
  SERVER_CONFIG,
  type RetentionConfig,
  type ServerConfig,
} from '../config/server-config';
import { LeaderElection } from '../leadership/leader-election.service';
import { PeriodicPass } from '../leadership/periodic-pass';
import { JobLogService } from '../logs/job-log.service';
import { BlobStores } from '../storage/blob-stores.service';

/** Jobs deleted per batch (reference §1.19). */
const JOB_BATCH = 1000;

/** What one pass removed, for logs and tests. */
export interface RetentionReport {
  deletedWorkers: number;
  deletedJobs: number;
}

/**
 * Retention (reference §1.19), on the leader every `retention.interval_secs`: inactive workers
 * silent for longer than `worker_hours`, and terminal jobs ended more than `job_days` ago — in
 * batches of 1000, each batch's blobs first (artifacts, log archives, local logs), then its rows.
 * A batch whose blobs cannot be removed keeps its rows and is tried again next pass, so no blob
 * is ever orphaned. Jobs pointing at a deleted job (sub-jobs, hook
 * and retry jobs) keep working: those references are `ON DELETE SET NULL`.
 */
@Injectable()
export class RetentionService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(RetentionService.name);
  private readonly settings: RetentionConfig | undefined;
  private readonly periodic = new PeriodicPass('retention pass', this.logger, () => this.pass());

  constructor(
    private readonly retention: RetentionRepository,
    private readonly jobLog: JobLogService,
    private readonly blobs: BlobStores,
    private readonly leadership: LeaderElection,
    @Inject(SERVER_CONFIG) config: ServerConfig,
  ) {
    this.settings = config.retention;
  }

  onApplicationBootstrap(): void {
    const settings = this.settings;
    if (!settings || (settings.worker_hours === undefined && settings.job_days === undefined))
      return;
    this.periodic.start(settings.interval_secs ?? DEFAULT_RETENTION_INTERVAL_SECS, () =>
      this.leadership.isLeader(),
    );
  }

  onModuleDestroy(): Promise<void> {
    return this.periodic.stop();
  }

  /** One pass (whoever leads); a pass already under way is joined. */
  runOnce(): Promise<RetentionReport> {
    return this.periodic.runOnce();
  }

  private async pass(): Promise<RetentionReport> {
    const report: RetentionReport = { deletedWorkers: 0, deletedJobs: 0 };
    const settings = this.settings;
    if (settings?.worker_hours !== undefined)
      report.deletedWorkers = (
        await this.retention.deleteInactiveWorkers(settings.worker_hours)
      ).length;
    if (settings?.job_days !== undefined) {
      for (;;) {
        const batch = await this.retention.expiredJobs(settings.job_days, JOB_BATCH);
        if (batch.length === 0) break;
        const ids = batch.map((j) => j.jobId);
        const artifactKeys = await this.retention.artifactKeys(ids);
        if (artifactKeys.length > 0) await this.blobs.artifacts.delete(artifactKeys);
        const archiveKeys = batch.flatMap((j) => (j.logArchiveKey ? [j.logArchiveKey] : []));
        if (archiveKeys.length > 0) {
          if (!this.blobs.logArchive)
            this.logger.warn(
              `retention: ${archiveKeys.length} job(s) have log archives but no archive is ` +
                `configured any more; their archives are left in place`,
            );
          else await this.blobs.logArchive.delete(archiveKeys);
        }
        for (const id of ids) await this.jobLog.deleteLocal(id);
        const deleted = await this.retention.deleteJobs(ids);
        report.deletedJobs += deleted;
        if (batch.length < JOB_BATCH || deleted === 0) break;
      }
    }
    if (report.deletedWorkers > 0 || report.deletedJobs > 0)
      this.logger.log(
        `retention removed ${report.deletedWorkers} worker(s) and ${report.deletedJobs} job(s)`,
      );
    return report;
  }
}
