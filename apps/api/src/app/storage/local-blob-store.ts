import { createReadStream, createWriteStream, promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { randomUUID } from 'node:crypto';
import { assertSafeKey, type BlobObject, type BlobStore } from './blob-store';

/** Blobs as files under `root` (written to a temp file, then renamed: never half a blob). */
export class LocalBlobStore implements BlobStore {
  readonly description: string;

  constructor(
    private readonly root: string,
    private readonly prefix = '',
  ) {
    this.description = `file://${path.join(root, prefix)}`;
  }

  async put(key: string, body: Buffer | Readable): Promise<void> {
    const file = this.file(key);
    await fs.mkdir(path.dirname(file), { recursive: true });
    const temp = `${file}.${randomUUID()}.partial`;
    try {
      if (Buffer.isBuffer(body)) await fs.writeFile(temp, body);
      else await pipeline(body, createWriteStream(temp));
      await fs.rename(temp, file);
    } catch (err) {
      await fs.rm(temp, { force: true });
      throw err;
    }
  }

  async get(key: string): Promise<BlobObject | null> {
    const file = this.file(key);
    try {
      const stat = await fs.stat(file);
      if (!stat.isFile()) return null;
      return { body: createReadStream(file), contentLength: stat.size };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
  }

  async exists(key: string): Promise<boolean> {
    return (await fs.stat(this.file(key)).catch(() => null))?.isFile() ?? false;
  }

  async delete(keys: readonly string[]): Promise<void> {
    await Promise.all(keys.map((key) => fs.rm(this.file(key), { force: true })));
  }

  private file(key: string): string {
    assertSafeKey(key);
    return path.join(this.root, this.prefix, key);
  }
}
