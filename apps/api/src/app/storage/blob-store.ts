import type { Readable } from 'node:stream';

/** A stored blob being read. */
export interface BlobObject {
  body: Readable;
  contentLength?: number;
  contentType?: string;
}

/**
 * One blob backend (an S3 bucket or a folder), keyed by `/`-separated keys. Keys are built by
 * the server from validated parts only — never from raw request strings — and implementations
 * refuse keys with `..` segments, leading `/` or NUL anyway.
 */
export interface BlobStore {
  /** What it is, for logs and `/healthz/detail` (`s3://bucket/prefix`, `file:///dir`). */
  readonly description: string;
  put(
    key: string,
    body: Buffer | Readable,
    options?: { contentType?: string; contentLength?: number },
  ): Promise<void>;
  /** null when there is no such key. */
  get(key: string): Promise<BlobObject | null>;
  exists(key: string): Promise<boolean>;
  /** Deleting a missing key is not an error. */
  delete(keys: readonly string[]): Promise<void>;
}

/** Throws unless `key` is a safe relative key. */
export function assertSafeKey(key: string): void {
  if (
    key === '' ||
    key.startsWith('/') ||
    key.includes('\0') ||
    key.includes('\\') ||
    key.split('/').some((part) => part === '..' || part === '.' || part === '')
  )
    throw new Error(`unsafe blob key '${key}'`);
}
