import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { Inject, Injectable } from '@nestjs/common';
import { SERVER_CONFIG, type ServerConfig } from '../config/server-config';
import { isUuid } from '../errors/domain-errors';

export interface LogLine {
  ts: string;
  stream: 'stdout' | 'stderr';
  line: string;
}

/** Server events in a job log carry this step name (reference §3.1). */
export const SERVER_STEP = '_server';

/**
 * Job logs as JSONL files `<log_storage.local_dir>/<job_id>.jsonl`, one
 * `{"ts","stream","step","line"}` object per line. Appends to one job are serialised in order.
 */
@Injectable()
export class JobLogService {
  private readonly dir: string;
  private readonly queues = new Map<string, Promise<void>>();

  constructor(@Inject(SERVER_CONFIG) config: ServerConfig) {
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

  async read(jobId: string): Promise<string> {
    await this.queues.get(jobId);
    try {
      return await fs.readFile(this.file(jobId), 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return '';
      throw err;
    }
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
        await fs.appendFile(this.file(jobId), text);
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
