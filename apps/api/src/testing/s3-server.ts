/**
 * A real S3-compatible server on loopback for specs (s3rver, data in a temp folder). It can be
 * stopped and started again on the same port and folder, to play an S3 outage.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import {
  CreateBucketCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  S3Client,
} from '@aws-sdk/client-s3';
import S3rver from 's3rver';
import type { BlobBackendConfig } from '../app/config/server-config';

/** s3rver's fixed credentials. */
const ACCESS_KEY = 'S3RVER';

export interface TestS3Server {
  endpoint: string;
  port: number;
  directory: string;
  /** A client for checking what the server holds. */
  client: S3Client;
  /** An `s3` archive config pointing at `bucket` here. */
  archiveConfig(bucket: string, prefix?: string): BlobBackendConfig;
  createBucket(name: string): Promise<void>;
  /** Keys in `bucket` (all pages). */
  listKeys(bucket: string): Promise<string[]>;
  getObject(bucket: string, key: string): Promise<Buffer>;
  /** Stops listening (open connections are cut); the data stays. */
  stop(): Promise<void>;
  /** Starts again on the same port and folder. */
  start(): Promise<void>;
  /** Stops and removes the data. */
  close(): Promise<void>;
}

export async function startS3Server(): Promise<TestS3Server> {
  const directory = mkdtempSync(path.join(tmpdir(), 'stroem-s3-'));
  let port = 0;
  let server: S3rver | undefined;

  const start = async () => {
    if (server) return;
    server = new S3rver({ address: '127.0.0.1', port, directory, silent: true });
    port = (await server.run()).port;
  };
  const stop = async () => {
    const running = server;
    server = undefined;
    if (!running?.httpServer) return;
    const closed = running.close();
    running.httpServer.closeAllConnections();
    await closed;
  };

  await start();
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new S3Client({
    region: 'us-east-1',
    endpoint,
    forcePathStyle: true,
    credentials: { accessKeyId: ACCESS_KEY, secretAccessKey: ACCESS_KEY },
  });

  return {
    endpoint,
    port,
    directory,
    client,
    archiveConfig: (bucket, prefix = '') => ({
      type: 's3',
      bucket,
      region: 'us-east-1',
      endpoint,
      prefix,
      access_key_id: ACCESS_KEY,
      secret_access_key: ACCESS_KEY,
    }),
    async createBucket(name) {
      await client.send(new CreateBucketCommand({ Bucket: name }));
    },
    async listKeys(bucket) {
      const keys: string[] = [];
      let token: string | undefined;
      do {
        const page = await client.send(
          new ListObjectsV2Command({ Bucket: bucket, ContinuationToken: token }),
        );
        keys.push(...(page.Contents ?? []).map((o) => o.Key ?? ''));
        token = page.NextContinuationToken;
      } while (token);
      return keys.sort();
    },
    async getObject(bucket, key) {
      const res = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      if (!res.Body) throw new Error(`s3://${bucket}/${key} has no body`);
      return Buffer.from(await res.Body.transformToByteArray());
    },
    stop,
    start,
    async close() {
      client.destroy();
      await stop();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}
