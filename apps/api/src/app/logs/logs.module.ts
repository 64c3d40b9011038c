import { Module } from '@nestjs/common';
import { JobLogService } from './job-log.service';

/** Job log storage (JSONL files). */
@Module({ providers: [JobLogService], exports: [JobLogService] })
export class LogsModule {}
