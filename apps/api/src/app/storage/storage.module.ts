import { Global, Module } from '@nestjs/common';
import { BlobStores } from './blob-stores.service';

/** Blob backends (S3 or folders) for log archives, state snapshots and artifacts. */
@Global()
@Module({ providers: [BlobStores], exports: [BlobStores] })
export class StorageModule {}
