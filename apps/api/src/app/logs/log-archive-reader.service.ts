import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { gunzipSync } from 'node:zlib';
import { Injectable } from '@nestjs/common';
import { LogArchiveRepository } from '@stroem/db';
import { BlobStores } from '../storage/blob-stores.service';

/** Reads a job's archived log back (the fallback once the local file is gone). */
@Injectable()
export class LogArchiveReader {
  constructor(
    private readonly archives: LogArchiveRepository,
    private readonly blobs: BlobStores,
  ) {}

  /** The JSONL text of the job's archive; null when the job has none (or no archive is set). */
  async read(jobId: string): Promise<string | null> {
    const store = this.blobs.logArchive;
    if (!store) return null;
    const key = await this.archives.archiveKey(jobId);
    if (!key) return null;
    const blob = await store.get(key);
    if (!blob) return null;
    const gz = await buffer(blob.body as Readable);
    try {
      return gunzipSync(gz).toString('utf8');
    } catch (err) {
      throw new Error(`log archive ${key} of job ${jobId}: ${(err as Error).message}`);
    }
  }
}
