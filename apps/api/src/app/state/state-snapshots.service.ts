import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { StateSnapshotRepository, type StateSnapshotRow } from '@stroem/db';
import type { JsonObject } from '@stroem/workflow';
import { SERVER_CONFIG, type ServerConfig, type StateStorageConfig } from '../config/server-config';
import { invalid } from '../errors/domain-errors';
import type { BlobObject } from '../storage/blob-store';
import { BlobStores } from '../storage/blob-stores.service';
import { readStateArchive, StateArchiveError, stateJsonOf } from './state-archive';

export const DEFAULT_STATE_STORAGE: StateStorageConfig = {
  prefix: 'state/',
  max_snapshots: 5,
  global_max_snapshots: 5,
};

/** Which state: a task's own, or its workspace's global state. */
export type StateScope = { workspace: string; task: string } | { workspace: string; global: true };

/** Parsed `state.json` of recent snapshots (immutable, so caching is safe). */
const JSON_CACHE_SIZE = 200;

/** A key part from a workspace or task name: never `..`, `/` or empty. */
function keyPart(name: string): string {
  return encodeURIComponent(name).replace(/\./g, '%2E') || '_';
}

/**
 * Task and workspace-global state snapshots (reference §1.22): each one an immutable gzip
 * tarball in the state store plus a row; the newest is the state, older ones beyond
 * `max_snapshots` are pruned with their blobs.
 */
@Injectable()
export class StateSnapshotsService {
  private readonly logger = new Logger(StateSnapshotsService.name);
  private readonly settings: StateStorageConfig;
  private readonly jsonCache = new Map<string, JsonObject | null>();

  constructor(
    @Inject(SERVER_CONFIG) config: ServerConfig,
    private readonly snapshots: StateSnapshotRepository,
    private readonly stores: BlobStores,
  ) {
    this.settings = { ...DEFAULT_STATE_STORAGE, ...config.state_storage };
  }

  latest(scope: StateScope): Promise<StateSnapshotRow | null> {
    return 'global' in scope
      ? this.snapshots.latestGlobalSnapshot(scope.workspace)
      : this.snapshots.latestTaskSnapshot(scope.workspace, scope.task);
  }

  open(snapshot: StateSnapshotRow): Promise<BlobObject | null> {
    return this.stores.state.get(snapshot.storageKey);
  }

  /** The snapshot's files (for a merge upload). */
  async files(snapshot: StateSnapshotRow): Promise<Map<string, Buffer>> {
    const blob = await this.open(snapshot);
    if (!blob) return new Map();
    const chunks: Buffer[] = [];
    for await (const chunk of blob.body as AsyncIterable<Buffer>) chunks.push(chunk);
    return readStateArchive(Buffer.concat(chunks));
  }

  /** The snapshot's `state.json`, or null (none, unreadable, or the blob is gone). */
  async stateJson(snapshot: StateSnapshotRow): Promise<JsonObject | null> {
    if (!snapshot.hasJson) return null;
    if (this.jsonCache.has(snapshot.id)) return this.jsonCache.get(snapshot.id) ?? null;
    let value: JsonObject | null = null;
    try {
      value = stateJsonOf(await this.files(snapshot));
    } catch (err) {
      this.logger.warn(`state snapshot ${snapshot.id} is unreadable: ${(err as Error).message}`);
    }
    if (this.jsonCache.size >= JSON_CACHE_SIZE) {
      const oldest = this.jsonCache.keys().next().value;
      if (oldest !== undefined) this.jsonCache.delete(oldest);
    }
    this.jsonCache.set(snapshot.id, value);
    return value;
  }

  /**
   * Stores a gzip tarball as the scope's newest snapshot (checked entry by entry: 400 on unsafe
   * paths, links or devices), then prunes. `writtenBy` is the task of a global-state writer.
   */
  async store(
    scope: StateScope,
    archive: Buffer,
    options: { jobId: string | null; hasJson: boolean; writtenBy?: string | null },
  ): Promise<string> {
    try {
      await readStateArchive(archive);
    } catch (err) {
      if (err instanceof StateArchiveError) throw invalid(err.message);
      throw err;
    }
    const id = randomUUID();
    const isGlobal = 'global' in scope;
    const key = isGlobal
      ? `${this.settings.prefix}__global__/${keyPart(scope.workspace)}/${id}.tar.gz`
      : `${this.settings.prefix}${keyPart(scope.workspace)}/${keyPart(scope.task)}/${id}.tar.gz`;
    await this.stores.state.put(key, archive, {
      contentType: 'application/gzip',
      contentLength: archive.length,
    });
    const row = {
      id,
      workspace: scope.workspace,
      jobId: options.jobId,
      storageKey: key,
      sizeBytes: archive.length,
      hasJson: options.hasJson,
    };
    let pruned: string[];
    if (isGlobal) {
      await this.snapshots.insertGlobalSnapshot({ ...row, taskName: options.writtenBy ?? null });
      pruned = await this.snapshots.pruneGlobalSnapshots(
        scope.workspace,
        this.settings.global_max_snapshots,
      );
    } else {
      await this.snapshots.insertTaskSnapshot({ ...row, taskName: scope.task });
      pruned = await this.snapshots.pruneTaskSnapshots(
        scope.workspace,
        scope.task,
        this.settings.max_snapshots,
      );
    }
    if (pruned.length > 0) {
      await this.stores.state.delete(pruned).catch((err: Error) => {
        this.logger.warn(`could not delete pruned state blobs: ${err.message}`);
      });
    }
    return id;
  }
}
