import type { Readable } from 'node:stream';
import {
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { assertSafeKey, type BlobObject, type BlobStore } from './blob-store';

export interface S3BlobStoreConfig {
  bucket: string;
  region: string;
  endpoint?: string;
  prefix: string;
  access_key_id?: string;
  secret_access_key?: string;
}

/** DeleteObjects takes at most this many keys per request. */
const DELETE_BATCH = 1000;

function isNotFound(err: unknown): boolean {
  if (!(err instanceof S3ServiceException)) return false;
  return (
    err.name === 'NoSuchKey' || err.name === 'NotFound' || err.$metadata.httpStatusCode === 404
  );
}

/**
 * Blobs in an S3 bucket (or any S3-compatible server: a custom `endpoint` switches to path-style
 * addressing). Credentials come from the config, else from the AWS default chain.
 */
export class S3BlobStore implements BlobStore {
  readonly description: string;
  private readonly client: S3Client;
  private readonly bucket: string;
  private readonly prefix: string;

  constructor(config: S3BlobStoreConfig) {
    this.bucket = config.bucket;
    this.prefix = config.prefix;
    this.description = `s3://${config.bucket}/${config.prefix}`;
    this.client = new S3Client({
      region: config.region,
      ...(config.endpoint ? { endpoint: config.endpoint, forcePathStyle: true } : {}),
      ...(config.access_key_id && config.secret_access_key
        ? {
            credentials: {
              accessKeyId: config.access_key_id,
              secretAccessKey: config.secret_access_key,
            },
          }
        : {}),
      // One attempt per call: callers (the archiver) retry with their own backoff.
      maxAttempts: 1,
    });
  }

  async put(
    key: string,
    body: Buffer | Readable,
    options: { contentType?: string; contentLength?: number } = {},
  ): Promise<void> {
    const Key = this.key(key);
    if (Buffer.isBuffer(body)) {
      await this.client.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key,
          Body: body,
          ContentType: options.contentType,
          ContentLength: body.length,
        }),
      );
      return;
    }
    // A stream of unknown length: multipart upload in parts, so memory stays bounded.
    await new Upload({
      client: this.client,
      params: { Bucket: this.bucket, Key, Body: body, ContentType: options.contentType },
    }).done();
  }

  async get(key: string): Promise<BlobObject | null> {
    try {
      const res = await this.client.send(
        new GetObjectCommand({ Bucket: this.bucket, Key: this.key(key) }),
      );
      if (!res.Body) return null;
      return {
        body: res.Body as Readable,
        contentLength: res.ContentLength,
        contentType: res.ContentType,
      };
    } catch (err) {
      if (isNotFound(err)) return null;
      throw err;
    }
  }

  async exists(key: string): Promise<boolean> {
    try {
      await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: this.key(key) }));
      return true;
    } catch (err) {
      if (isNotFound(err)) return false;
      throw err;
    }
  }

  async delete(keys: readonly string[]): Promise<void> {
    const all = keys.map((k) => this.key(k));
    for (let i = 0; i < all.length; i += DELETE_BATCH) {
      const batch = all.slice(i, i + DELETE_BATCH);
      const res = await this.client.send(
        new DeleteObjectsCommand({
          Bucket: this.bucket,
          Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true },
        }),
      );
      const failed = (res.Errors ?? []).filter((e) => e.Code !== 'NoSuchKey');
      if (failed.length > 0)
        throw new Error(
          `${this.description}: could not delete ${failed.length} object(s), first ` +
            `'${failed[0].Key}': ${failed[0].Code} ${failed[0].Message ?? ''}`.trim(),
        );
    }
  }

  /** Closes the HTTP connections (tests, shutdown). */
  destroy(): void {
    this.client.destroy();
  }

  private key(key: string): string {
    assertSafeKey(key);
    return `${this.prefix}${key}`;
  }
}
