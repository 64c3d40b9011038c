import * as path from 'node:path';
import { Inject, Injectable } from '@nestjs/common';
import { SERVER_CONFIG, type BlobBackendConfig, type ServerConfig } from '../config/server-config';
import type { BlobStore } from './blob-store';
import { LocalBlobStore } from './local-blob-store';

/** A store for one backend config (S3 arrives with the archive work). */
export function createBlobStore(config: BlobBackendConfig): BlobStore {
  if (config.type === 'local') return new LocalBlobStore(config.path, config.prefix);
  throw new Error(`blob backend '${config.type}' is not supported yet`);
}

/**
 * The server's blob stores: the log archive (optional), state snapshots and artifacts. State and
 * artifacts default to folders beside the log folder.
 */
@Injectable()
export class BlobStores {
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
}
