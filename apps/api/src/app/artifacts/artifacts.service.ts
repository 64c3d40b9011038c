import { randomUUID } from 'node:crypto';
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
    body: Buffer,
    contentType: string | undefined,
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
    if (body.length > this.settings.max_file_bytes)
      throw payloadTooLarge(
        `Artifact '${name}' exceeds the ${this.settings.max_file_bytes}-byte limit`,
      );
    const others = await this.artifacts.jobTotalBytes(jobId, name);
    if (others + body.length > this.settings.max_job_bytes)
      throw payloadTooLarge(
        `Artifacts of job ${jobId} would exceed the ${this.settings.max_job_bytes}-byte limit`,
      );
    const id = randomUUID();
    const type = contentType?.trim() || 'application/octet-stream';
    const key = `${this.settings.prefix}${jobId}/${id}`;
    await this.stores.artifacts.put(key, body, { contentType: type, contentLength: body.length });
    const { replacedKey } = await this.artifacts.upsert({
      id,
      jobId,
      stepName,
      name,
      contentType: type,
      sizeBytes: body.length,
      storageKey: key,
    });
    if (replacedKey) await this.deleteBlobs([replacedKey]);
    return { id, name, size_bytes: body.length, content_type: type };
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
