/** The server's worker protocol (`/worker/…`, reference §3.4), one method per endpoint. */
import {
  ServerConnection,
  type ServerConnectionOptions,
  type StreamResponse,
} from './server-connection';
import type {
  CancelledResponse,
  ClaimRequest,
  ClaimResponse,
  CompleteStepRequest,
  EmitEventRequest,
  LogsRequest,
  RegisterRequest,
  RegisterResponse,
  RunningStep,
  SnapshotResponse,
} from './worker-protocol';

const enc = encodeURIComponent;

export class WorkerApiClient {
  private readonly connection: ServerConnection;

  constructor(options: ServerConnectionOptions) {
    this.connection = new ServerConnection(options);
  }

  register(body: RegisterRequest): Promise<RegisterResponse> {
    return this.connection.postJson('/worker/register', body);
  }

  /**
   * `running_steps` (our extension) lets the server give back a step whose claim answer never
   * reached this worker.
   */
  async heartbeat(workerId: string, runningSteps: RunningStep[]): Promise<void> {
    await this.connection.postJson('/worker/heartbeat', {
      worker_id: workerId,
      running_steps: runningSteps,
    });
  }

  /** A long-poll: the server may hold it up to `wait_secs`, so it gets that much extra time. */
  claim(body: ClaimRequest, signal: AbortSignal, requestTimeoutMs: number): Promise<ClaimResponse> {
    return this.connection.postJson('/worker/jobs/claim', body, {
      signal,
      timeoutMs: body.wait_secs * 1000 + requestTimeoutMs,
    });
  }

  async startStep(jobId: string, stepName: string, workerId: string): Promise<void> {
    await this.connection.postJson(`/worker/jobs/${enc(jobId)}/steps/${enc(stepName)}/start`, {
      worker_id: workerId,
    });
  }

  async appendLogs(jobId: string, body: LogsRequest): Promise<void> {
    await this.connection.postJson(`/worker/jobs/${enc(jobId)}/logs`, body);
  }

  async isCancelled(jobId: string): Promise<boolean> {
    const answer = await this.connection.getJson<CancelledResponse>(
      `/worker/jobs/${enc(jobId)}/cancelled`,
    );
    return answer?.cancelled === true;
  }

  async completeStep(jobId: string, stepName: string, body: CompleteStepRequest): Promise<void> {
    await this.connection.postJson(
      `/worker/jobs/${enc(jobId)}/steps/${enc(stepName)}/complete`,
      body,
    );
  }

  /** `POST /worker/event-source/emit`; a 429 (max_in_flight reached) throws a transient error. */
  async emitEvent(body: EmitEventRequest): Promise<void> {
    await this.connection.postJson('/worker/event-source/emit', body);
  }

  /** `GET /worker/workspace/{ws}.tar.gz[?revision=R]`, with `If-None-Match` when we hold one. */
  downloadWorkspace(
    workspace: string,
    revision: string | undefined,
    ifNoneMatch: string | undefined,
  ): Promise<StreamResponse> {
    const query = revision ? `?revision=${enc(revision)}` : '';
    return this.connection.stream(`/worker/workspace/${enc(workspace)}.tar.gz${query}`, {
      headers: ifNoneMatch ? { 'if-none-match': `"${ifNoneMatch}"` } : {},
    });
  }

  /** `GET /worker/state/{ws}/{task}` (200 tarball, 204 none). */
  downloadTaskState(workspace: string, task: string): Promise<StreamResponse> {
    return this.connection.stream(`/worker/state/${enc(workspace)}/${enc(task)}`);
  }

  /** `GET /worker/global-state/{ws}`. */
  downloadGlobalState(workspace: string): Promise<StreamResponse> {
    return this.connection.stream(`/worker/global-state/${enc(workspace)}`);
  }

  uploadTaskState(
    workspace: string,
    task: string,
    jobId: string,
    hasJson: boolean,
    tarball: Buffer,
  ): Promise<SnapshotResponse> {
    return this.connection.postBinary(
      `/worker/state/${enc(workspace)}/${enc(task)}/${enc(jobId)}?has_json=${hasJson}`,
      tarball,
      'application/gzip',
    );
  }

  uploadGlobalState(
    workspace: string,
    jobId: string,
    hasJson: boolean,
    tarball: Buffer,
  ): Promise<SnapshotResponse> {
    return this.connection.postBinary(
      `/worker/global-state/${enc(workspace)}/${enc(jobId)}?has_json=${hasJson}`,
      tarball,
      'application/gzip',
    );
  }

  /** The name's `/` separators stay path separators; each segment is encoded. */
  async uploadArtifact(
    jobId: string,
    stepName: string,
    name: string,
    body: Buffer,
    contentType: string,
  ): Promise<void> {
    const path = name.split('/').map(enc).join('/');
    await this.connection.postBinary(
      `/worker/jobs/${enc(jobId)}/steps/${enc(stepName)}/artifacts/${path}`,
      body,
      contentType,
    );
  }

  async deleteStepArtifacts(jobId: string, stepName: string): Promise<void> {
    await this.connection.delete(`/worker/jobs/${enc(jobId)}/steps/${enc(stepName)}/artifacts`);
  }

  close(): void {
    this.connection.close();
  }
}
