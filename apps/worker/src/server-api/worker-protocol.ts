/**
 * The request and response bodies of the server's worker protocol (reference §3.4). Declared
 * here until `libs/api-client` carries the worker endpoints; then they come from there.
 */
import type { JsonValue } from '@stroem/workflow';

export interface RegisterRequest {
  name: string;
  capabilities: string[];
  tags: string[];
  exclusive: boolean;
  version: string;
}

export interface RegisterResponse {
  worker_id: string;
}

/** A step this worker runs, as its heartbeat reports it. */
export interface RunningStep {
  job_id: string;
  step_name: string;
}

export interface ClaimRequest {
  worker_id: string;
  capabilities: string[];
  tags: string[];
  exclusive: boolean;
  /** Our extension: the server may park the claim this long, answering when a step is ready. */
  wait_secs: number;
}

/** A claimed step; with no work every field is null. */
export interface ClaimResponse {
  workspace: string | null;
  job_id: string | null;
  task_name: string | null;
  step_name: string | null;
  action_name: string | null;
  action_type: string | null;
  action_image: string | null;
  /** The rendered ActionDef: script/source/env/args rendered, language, interpreter, deps. */
  action_spec: Record<string, JsonValue> | null;
  input: JsonValue;
  runner: string | null;
  timeout_secs?: number | null;
  revision?: string | null;
  /** Event-source consumer steps: where OUTPUT lines go, and extra env (reference §2.17.9). */
  event_source_config?: EventSourceClaimConfig | null;
  /** The latest task / global state snapshots at claim time; absent when there is none. */
  state_storage_key?: string | null;
  state_has_json?: boolean | null;
  global_state_storage_key?: string | null;
  global_state_has_json?: boolean | null;
}

export interface EventSourceClaimConfig {
  target_task: string;
  source_id: string;
  input_defaults?: Record<string, JsonValue>;
  max_in_flight?: number | null;
  env?: Record<string, JsonValue>;
  backoff_secs?: number;
  consecutive_failures?: number;
}

export interface EmitEventRequest {
  workspace: string;
  task: string;
  input: Record<string, JsonValue>;
  source_id: string;
}

/** A claim that carries work. */
export interface ClaimedStep extends ClaimResponse {
  workspace: string;
  job_id: string;
  step_name: string;
}

export interface LogLineBody {
  /** RFC 3339 time the line was read. */
  ts: string;
  stream: 'stdout' | 'stderr';
  line: string;
}

export interface LogsRequest {
  step_name: string;
  lines: LogLineBody[];
}

export interface CompleteStepRequest {
  exit_code: number;
  output: JsonValue;
  error?: string;
}

export interface CancelledResponse {
  cancelled: boolean;
}

export interface SnapshotResponse {
  snapshot_id: string;
}
