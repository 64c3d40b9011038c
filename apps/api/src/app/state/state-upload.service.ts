import { createHash, randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { JobEntity, JobRepository } from '@stroem/db';
import type { JsonObject } from '@stroem/workflow';
import { AclService } from '../auth/acl.service';
import type { Principal } from '../auth/principal';
import { forbidden, invalid, notFound } from '../errors/domain-errors';
import { WorkspaceRegistry } from '../workspace/workspace-registry.service';
import {
  readStateArchive,
  STATE_JSON,
  StateArchiveError,
  stateJsonOf,
  writeStateArchive,
} from './state-archive';
import { StateSnapshotsService, type StateScope } from './state-snapshots.service';

export type UploadMode = 'replace' | 'merge';

export interface StateUpload {
  /** gzip tarball of files (may be empty); never a root `state.json`. */
  archive: Buffer;
  /** The query string: `mode`, and every other key a string entry of `state.json`. */
  query: Record<string, unknown>;
}

/**
 * Manual state uploads (reference §3.1): the uploaded files (merged over the latest snapshot's
 * files with `mode=merge`) plus `state.json` from the query string become a new snapshot, made
 * by a completed synthetic job `source_type: upload`.
 */
@Injectable()
export class StateUploadService {
  constructor(
    private readonly state: StateSnapshotsService,
    private readonly jobs: JobRepository,
    private readonly workspaces: WorkspaceRegistry,
    private readonly acl: AclService,
  ) {}

  /** Task state: Run permission on the task. */
  async uploadTaskState(
    principal: Principal | undefined,
    workspace: string,
    task: string,
    upload: StateUpload,
  ): Promise<{ snapshot_id: string; job_id: string }> {
    const config = this.workspaces.get(workspace)?.current?.config;
    const missing = `Task '${task}' not found in workspace '${workspace}'`;
    if (!config || !Object.hasOwn(config.tasks, task)) throw notFound(missing);
    this.acl.requireRun(principal, workspace, task, missing);
    return this.upload(principal, { workspace, task }, task, upload);
  }

  /** Global state: admins only (anyone when auth is off). */
  async uploadGlobalState(
    principal: Principal | undefined,
    workspace: string,
    upload: StateUpload,
  ): Promise<{ snapshot_id: string; job_id: string }> {
    if (principal && !principal.isAdmin)
      throw forbidden('Only administrators may upload global state');
    if (!this.workspaces.get(workspace)?.current)
      throw notFound(`Workspace '${workspace}' not found`);
    return this.upload(principal, { workspace, global: true }, '_global_state', upload);
  }

  private async upload(
    principal: Principal | undefined,
    scope: StateScope,
    jobTaskName: string,
    { archive, query }: StateUpload,
  ) {
    const { mode, entries } = readQuery(query);
    let uploaded: Map<string, Buffer>;
    try {
      uploaded = await readStateArchive(archive);
    } catch (err) {
      if (err instanceof StateArchiveError) throw invalid(err.message);
      throw err;
    }
    if (uploaded.has(STATE_JSON))
      throw invalid(
        `The archive must not contain '${STATE_JSON}': pass values as query parameters`,
      );

    let files = uploaded;
    let json: JsonObject = entries;
    if (mode === 'merge') {
      const latest = await this.state.latest(scope);
      const previous = latest ? await this.state.files(latest) : new Map<string, Buffer>();
      json = { ...(stateJsonOf(previous) ?? {}), ...entries };
      previous.delete(STATE_JSON);
      files = new Map([...previous, ...uploaded]);
    }
    const hasJson = Object.keys(json).length > 0;
    if (hasJson) files.set(STATE_JSON, Buffer.from(JSON.stringify(json, null, 2)));
    const snapshot = await writeStateArchive(files);

    const uploadedBy = principal
      ? principal.via === 'api_key'
        ? `api_key:${principal.apiKeyPrefix ?? ''}`
        : `user:${principal.email}`
      : null;
    const input: JsonObject = {
      upload: {
        size_bytes: archive.length,
        sha256: createHash('sha256').update(archive).digest('hex'),
        has_json: hasJson,
        uploaded_by: uploadedBy,
        mode,
      },
    };
    const now = new Date();
    const job = Object.assign(new JobEntity(), {
      jobId: randomUUID(),
      workspace: scope.workspace,
      taskName: jobTaskName,
      mode: 'distributed',
      input,
      rawInput: input,
      output: null,
      status: 'completed',
      sourceType: 'upload',
      sourceId: uploadedBy,
      workerId: null,
      revision: this.workspaces.get(scope.workspace)?.current?.revision ?? null,
      timeoutSecs: null,
      createdAt: now,
      startedAt: now,
      completedAt: now,
      logPath: null,
      parentJobId: null,
      parentStepName: null,
      retryOfJobId: null,
      retryJobId: null,
      retryAttempt: 0,
      maxRetries: null,
      sourceJobId: null,
      restartFromStep: null,
      metricsRecordedAt: null,
      // Nothing ran: no hooks or other terminal actions to take.
      terminalActionsAt: now,
    } satisfies Partial<JobEntity>);
    await this.jobs.insert(job, []);
    const snapshotId = await this.state.store(scope, snapshot, {
      jobId: job.jobId,
      hasJson,
      writtenBy: 'global' in scope ? null : undefined,
    });
    return { snapshot_id: snapshotId, job_id: job.jobId };
  }
}

function readQuery(query: Record<string, unknown>): { mode: UploadMode; entries: JsonObject } {
  let mode: UploadMode = 'replace';
  const entries: JsonObject = {};
  for (const [key, value] of Object.entries(query)) {
    if (typeof value !== 'string')
      throw invalid(`Query parameter '${key}' must be given once, as a plain string`);
    if (key === 'mode') {
      if (value !== 'replace' && value !== 'merge')
        throw invalid(`Invalid mode '${value}': expected 'replace' or 'merge'`);
      mode = value;
    } else {
      entries[key] = value;
    }
  }
  return { mode, entries };
}
