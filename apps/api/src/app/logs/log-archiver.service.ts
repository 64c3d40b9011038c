import { createReadStream, promises as fs } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { buffer } from 'node:stream/consumers';
import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnModuleDestroy,
} from '@nestjs/common';
import { LogArchiveRepository, type PendingLogArchive } from '@stroem/db';
import {
  DEFAULT_LOG_ARCHIVE_TIMING,
  SERVER_CONFIG,
  type ServerConfig,
} from '../config/server-config';
import { PeriodicPass } from '../leadership/periodic-pass';
import { BlobStores } from '../storage/blob-stores.service';
import { JobLogService } from './job-log.service';
import { logArchiveKey } from './log-archive-key';

/** Jobs leased per pass. */
const BATCH = 20;
/** How long a leased job is left alone before another pass may try it again. */
const LEASE_SECS = 300;
/** Retry delays double from the pass interval up to this. */
const MAX_BACKOFF_SECS = 600;

/** What one pass did, for tests and logs. */
export interface ArchivePassReport {
  archived: string[];
  failed: string[];
}

/**
 * Archives the logs of ended jobs (reference §1.17): every `archive_interval_secs`, on every
 * replica, leases the jobs whose `log_archive_state` is pending and due (`FOR UPDATE SKIP
 * LOCKED`, so replicas share the work), gzips each local JSONL and puts it into the log archive.
 * A failed upload stays pending and is retried with exponential backoff — also after a restart,
 * since the marker is a column. The local file is kept (retention removes it).
 */
@Injectable()
export class LogArchiver implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(LogArchiver.name);
  private readonly intervalSecs: number;
  private readonly periodic = new PeriodicPass('log archive pass', this.logger, () => this.pass());

  constructor(
    private readonly archives: LogArchiveRepository,
    private readonly blobs: BlobStores,
    private readonly jobLog: JobLogService,
    @Inject(SERVER_CONFIG) config: ServerConfig,
  ) {
    this.intervalSecs =
      config.log_storage.archive_interval_secs ?? DEFAULT_LOG_ARCHIVE_TIMING.archive_interval_secs;
  }

  onApplicationBootstrap(): void {
    if (this.blobs.logArchive) this.periodic.start(this.intervalSecs);
  }

  onModuleDestroy(): Promise<void> {
    return this.periodic.stop();
  }

  /** One pass; a pass already under way is joined. */
  runOnce(): Promise<ArchivePassReport> {
    return this.periodic.runOnce();
  }

  private async pass(): Promise<ArchivePassReport> {
    const report: ArchivePassReport = { archived: [], failed: [] };
    if (!this.blobs.logArchive) return report;
    for (;;) {
      const due = await this.archives.leaseDue(BATCH, LEASE_SECS);
      for (const job of due) {
        if (await this.archiveOne(job)) report.archived.push(job.jobId);
        else report.failed.push(job.jobId);
      }
      if (due.length < BATCH) return report;
    }
  }

  private async archiveOne(job: PendingLogArchive): Promise<boolean> {
    const store = this.blobs.logArchive;
    if (!store) return false;
    try {
      const file = await this.jobLog.localFile(job.jobId);
      const exists = await fs.stat(file).then(
        (s) => s.isFile(),
        () => false,
      );
      if (!exists) {
        await this.archives.markArchived(job.jobId, null);
        return true;
      }
      const key = logArchiveKey(job);
      // Logs are small next to memory; a buffer gives S3 a Content-Length (one PUT, no multipart).
      const gz = createGzip();
      const [, body] = await Promise.all([pipeline(createReadStream(file), gz), buffer(gz)]);
      await store.put(key, body, { contentType: 'application/gzip' });
      await this.archives.markArchived(job.jobId, key);
      return true;
    } catch (err) {
      const delay = Math.min(this.intervalSecs * 2 ** (job.attempts - 1), MAX_BACKOFF_SECS);
      const message = (err as Error).message || String(err);
      this.logger.warn(
        `Job ${job.jobId}: log archive to ${store.description} failed (attempt ${job.attempts}, ` +
          `retry in ${delay}s): ${message}`,
      );
      await this.archives.markFailed(job.jobId, message, delay).catch(() => undefined);
      return false;
    }
  }
}
