import { Module } from '@nestjs/common';
import { JobLogBroadcaster } from './job-log-broadcaster.service';
import { JobLogService } from './job-log.service';
import { LogArchiveReader } from './log-archive-reader.service';
import { LogArchiver } from './log-archiver.service';

/**
 * Job log storage (JSONL files), the live broadcast of appended chunks, and the archive of
 * ended jobs' logs (S3 or a folder) with its read fallback.
 */
@Module({
  providers: [JobLogService, JobLogBroadcaster, LogArchiveReader, LogArchiver],
  exports: [JobLogService, JobLogBroadcaster, LogArchiver],
})
export class LogsModule {}
