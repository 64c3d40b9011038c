import * as path from 'node:path';
import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { SERVER_CONFIG, type BlobBackendConfig, type ServerConfig } from '../config/server-config';
import type { BlobStore } from './blob-store';
import { LocalBlobStore } from './local-blob-store';
import { S3BlobStore } from './s3-blob-store';

/** A store for one backend config: an S3 bucket or a folder. */
export function createBlobStore(config: BlobBackendConfig): BlobStore {
  if (config.type === 'local') return new LocalBlobStore(config.path, config.prefix);
  return new S3BlobStore(config);
}

/**
 * The server's blob stores: the log archive (optional), state snapshots and artifacts. State and
 * artifacts default to folders beside the log folder.
 */
@Injectable()
export class BlobStores implements OnApplicationShutdown {
  readonly logArchive: BlobStore | undefined;
  readonly state: BlobStore;
  readonly artifacts: BlobStore;

  constructor(@Inject(SERVER_CONFIG) config: ServerConfig) {
    const dataDir = path.dirname(config.log_storage.local_dir);
    this.logArchive = config.log_storage.archive && createBlobStore(config.log_storage.archive);
    this.state = createBlobStore(
      config.state_storage?.archive ?? {
        type: 'local',
        path: path.join(dataDir, 'state'),
        prefix: '',
      },
    );
    this.artifacts = createBlobStore(
      config.artifact_storage?.archive ?? {
        type: 'local',
        path: path.join(dataDir, 'artifacts'),
        prefix: '',
      },
    );
  }

  onApplicationShutdown(): void {
    for (const store of [this.logArchive, this.state, this.artifacts])
      if (store instanceof S3BlobStore) store.destroy();
  }
}
