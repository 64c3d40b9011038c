import { randomUUID } from 'node:crypto';
import { Transform, type Readable, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { ArtifactRepository, JobRepository, type ArtifactRow } from '@stroem/db';
import type { Principal } from '../auth/principal';
import {
  SERVER_CONFIG,
  type ArtifactStorageConfig,
  type ServerConfig,
} from '../config/server-config';
import {
  conflict,
  invalid,
  notFound,
  payloadTooLarge,
  requireJobId,
} from '../errors/domain-errors';
import { JobAccess } from '../jobs/job-access.service';
import type { BlobObject } from '../storage/blob-store';
import { BlobStores } from '../storage/blob-stores.service';
import { artifactNameProblem, DEFAULT_ARTIFACT_STORAGE } from './artifact-rules';

const TERMINAL_JOB_STATUSES = new Set(['completed', 'failed', 'cancelled', 'skipped']);

export interface ArtifactView {
  name: string;
  content_type: string;
  size_bytes: number;
  step_name: string;
  created_at: string;
  url: string;
}

/** `url` of an artifact: the name form-urlencoded into one path segment. */
export function artifactUrl(jobId: string, name: string): string {
  return `/api/jobs/${jobId}/artifacts/${new URLSearchParams({ n: name }).toString().slice(2)}`;
}

export function artifactView(a: ArtifactRow): ArtifactView {
  return {
    name: a.name,
    content_type: a.contentType,
    size_bytes: Number(a.sizeBytes),
    step_name: a.stepName,
    created_at: new Date(a.createdAt).toISOString(),
    url: artifactUrl(a.jobId, a.name),
  };
}

/**
 * Files steps leave in `$ARTIFACTS_DIR` (reference §1.21): stored per job under an id-based key
 * (never the name), unique by name within the job, capped per file and per job.
 */
@Injectable()
export class ArtifactsService {
  private readonly logger = new Logger(ArtifactsService.name);
  private readonly settings: ArtifactStorageConfig;

  constructor(
    @Inject(SERVER_CONFIG) config: ServerConfig,
    private readonly artifacts: ArtifactRepository,
    private readonly jobs: JobRepository,
    private readonly access: JobAccess,
    private readonly stores: BlobStores,
  ) {
    this.settings = { ...DEFAULT_ARTIFACT_STORAGE, ...config.artifact_storage };
  }

  /** A worker's upload: 400 bad name/step, 404 job, 409 terminal job, 413 over a cap. */
  async upload(
    job: string,
    stepName: string,
    name: string,
    body: Readable,
    declared: { contentType?: string; contentLength?: number },
  ) {
    const jobId = requireJobId(job);
    const problem = artifactNameProblem(name);
    if (problem) throw invalid(`Invalid artifact name: ${problem}`);
    const found = await this.jobs.findWithSteps(jobId);
    if (!found) throw notFound('Job not found');
    if (!found.steps.some((s) => s.stepName === stepName))
      throw invalid(`Job ${jobId} has no step '${stepName}'`);
    if (TERMINAL_JOB_STATUSES.has(found.job.status))
      throw conflict('Job is already in a terminal state');
    const others = await this.artifacts.jobTotalBytes(jobId, name);
    const fileTooLarge = () =>
      payloadTooLarge(`Artifact '${name}' exceeds the ${this.settings.max_file_bytes}-byte limit`);
    const jobTooLarge = () =>
      payloadTooLarge(
        `Artifacts of job ${jobId} would exceed the ${this.settings.max_job_bytes}-byte limit`,
      );
    // Refused before a byte is read when the declared length already says so.
    const declaredLength = declared.contentLength;
    if (declaredLength !== undefined && declaredLength > this.settings.max_file_bytes)
      throw fileTooLarge();
    if (declaredLength !== undefined && others + declaredLength > this.settings.max_job_bytes)
      throw jobTooLarge();
    const id = randomUUID();
    const type = declared.contentType?.trim() || 'application/octet-stream';
    const key = `${this.settings.prefix}${jobId}/${id}`;
    // Streamed to the blob store (never held whole), counted on the way past the caps.
    const counter = new ByteCap(
      Math.min(this.settings.max_file_bytes, this.settings.max_job_bytes - others),
      (bytes) => (others + bytes > this.settings.max_job_bytes ? jobTooLarge() : fileTooLarge()),
    );
    try {
      await Promise.all([
        pipeline(body, counter),
        this.stores.artifacts.put(key, counter, { contentType: type }),
      ]);
    } catch (err) {
      await this.deleteBlobs([key]);
      throw counter.refusal ?? err;
    }
    const size = counter.bytes;
    const { replacedKey } = await this.artifacts.upsert({
      id,
      jobId,
      stepName,
      name,
      contentType: type,
      sizeBytes: size,
      storageKey: key,
    });
    if (replacedKey) await this.deleteBlobs([replacedKey]);
    return { id, name, size_bytes: size, content_type: type };
  }

  async deleteForStep(job: string, stepName: string): Promise<void> {
    const keys = await this.artifacts.deleteForStep(requireJobId(job), stepName);
    await this.deleteBlobs(keys);
  }

  async list(principal: Principal | undefined, job: string): Promise<ArtifactView[]> {
    const found = await this.access.findViewable(principal, requireJobId(job));
    return (await this.artifacts.listForJob(found.jobId)).map(artifactView);
  }

  async open(
    principal: Principal | undefined,
    job: string,
    name: string,
  ): Promise<{ artifact: ArtifactRow; blob: BlobObject }> {
    const found = await this.access.findViewable(principal, requireJobId(job));
    const artifact = await this.artifacts.find(found.jobId, name);
    const blob = artifact && (await this.stores.artifacts.get(artifact.storageKey));
    if (!artifact || !blob) throw notFound(`Artifact '${name}' not found`);
    return { artifact, blob };
  }

  private async deleteBlobs(keys: string[]): Promise<void> {
    if (keys.length === 0) return;
    await this.stores.artifacts.delete(keys).catch((err: Error) => {
      this.logger.warn(`could not delete artifact blobs: ${err.message}`);
    });
  }
}

/** Passes bytes through up to `limit`; one more and it fails with `tooLarge(bytes)`'s error. */
class ByteCap extends Transform {
  bytes = 0;
  refusal: Error | undefined;

  constructor(
    private readonly limit: number,
    private readonly tooLarge: (bytes: number) => Error,
  ) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.bytes += chunk.length;
    if (this.bytes > this.limit) {
      this.refusal = this.tooLarge(this.bytes);
      done(this.refusal);
      return;
    }
    done(null, chunk);
  }
}
