import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { Inject, Injectable, Optional } from '@nestjs/common';
import { SERVER_CONFIG, type ServerConfig } from '../config/server-config';
import { isUuid } from '../errors/domain-errors';
import { JobLogBroadcaster } from './job-log-broadcaster.service';
import { LogArchiveReader } from './log-archive-reader.service';

export interface LogLine {
  ts: string;
  stream: 'stdout' | 'stderr';
  line: string;
}

/** Server events in a job log carry this step name (reference §3.1). */
export const SERVER_STEP = '_server';

/**
 * Job logs as JSONL files `<log_storage.local_dir>/<job_id>.jsonl`, one
 * `{"ts","stream","step","line"}` object per line. Appends to one job are serialised in order, and
 * each appended chunk is published with its byte offset (JobLogBroadcaster) for the live streams.
 */
@Injectable()
export class JobLogService {
  private readonly dir: string;
  private readonly queues = new Map<string, Promise<void>>();

  constructor(
    @Inject(SERVER_CONFIG) config: ServerConfig,
    private readonly broadcaster: JobLogBroadcaster,
    @Optional() private readonly archive?: LogArchiveReader,
  ) {
    this.dir = config.log_storage.local_dir;
  }

  async append(jobId: string, step: string | null, lines: readonly LogLine[]): Promise<void> {
    if (lines.length === 0) return;
    const text = lines
      .map((l) => JSON.stringify({ ts: l.ts, stream: l.stream, step, line: l.line }))
      .join('\n');
    await this.enqueue(jobId, text + '\n');
  }

  /** `[retry] …`, template errors and other things the server decided, on stderr of `_server`. */
  async serverEvent(jobId: string, message: string): Promise<void> {
    await this.append(jobId, SERVER_STEP, [
      { ts: new Date().toISOString(), stream: 'stderr', line: message },
    ]);
  }

  /** Resolves once every append queued so far is on disk (and published). */
  async flushed(jobId: string): Promise<void> {
    await this.queues.get(jobId)?.catch(() => undefined);
  }

  /** The local file, else a legacy `<job>.log`, else the job's log archive (reference §1.17). */
  async read(jobId: string): Promise<string> {
    await this.queues.get(jobId);
    for (const file of [this.file(jobId), this.legacyFile(jobId)]) {
      try {
        return await fs.readFile(file, 'utf8');
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      }
    }
    return (await this.archive?.read(jobId)) ?? '';
  }

  /** The job's local JSONL file, once every queued append is written (the log archiver). */
  async localFile(jobId: string): Promise<string> {
    await this.queues.get(jobId)?.catch(() => undefined);
    return this.file(jobId);
  }

  /** Removes the job's local files (retention); the archive, if any, stays. */
  async deleteLocal(jobId: string): Promise<void> {
    await this.queues.get(jobId)?.catch(() => undefined);
    await fs.rm(this.file(jobId), { force: true });
    await fs.rm(this.legacyFile(jobId), { force: true });
  }

  async readStep(jobId: string, step: string): Promise<string> {
    const text = await this.read(jobId);
    return text
      .split('\n')
      .filter((line) => {
        if (line === '') return false;
        try {
          return (JSON.parse(line) as { step?: unknown }).step === step;
        } catch {
          return false;
        }
      })
      .map((line) => `${line}\n`)
      .join('');
  }

  private legacyFile(jobId: string): string {
    return this.file(jobId).replace(/\.jsonl$/, '.log');
  }

  private file(jobId: string): string {
    if (!isUuid(jobId)) throw new Error(`not a job id: ${jobId}`);
    return path.join(this.dir, `${jobId.toLowerCase()}.jsonl`);
  }

  private enqueue(jobId: string, text: string): Promise<void> {
    const previous = this.queues.get(jobId) ?? Promise.resolve();
    const next = previous
      .catch(() => undefined)
      .then(async () => {
        await fs.mkdir(this.dir, { recursive: true });
        const handle = await fs.open(this.file(jobId), 'a');
        let start: number;
        try {
          start = (await handle.stat()).size;
          await handle.writeFile(text);
        } finally {
          await handle.close();
        }
        await this.broadcaster.publish(jobId, start, text);
      });
    this.queues.set(jobId, next);
    void next
      .finally(() => {
        if (this.queues.get(jobId) === next) this.queues.delete(jobId);
      })
      .catch(() => undefined);
    return next;
  }
}
