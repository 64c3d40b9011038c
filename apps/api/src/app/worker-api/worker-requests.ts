/** Reading the worker protocol's request bodies (reference §3.4); a bad field is a 400. */
import type { JsonValue } from '@stroem/workflow';
import { invalid, isUuid } from '../errors/domain-errors';
import type { LogLine } from '../logs/job-log.service';
import type { StepReport } from '../orchestrator/step-completion.service';

export const ABILITIES = ['script', 'docker', 'kubernetes', 'agent'];
/** Our extension: how long a claim may be parked waiting for work. */
export const MAX_CLAIM_WAIT_SECS = 30;

type Body = Record<string, unknown>;

function object(body: unknown): Body {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw invalid('Request body must be a JSON object');
  return body as Body;
}

function strings(body: Body, key: string): string[] {
  const value = body[key] ?? [];
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string'))
    throw invalid(`${key} must be a list of strings`);
  return value as string[];
}

function workerId(body: Body): string {
  const id = body['worker_id'];
  if (typeof id !== 'string' || !isUuid(id)) throw invalid('worker_id must be a worker UUID');
  return id.toLowerCase();
}

export interface RegisterRequest {
  name: string;
  capabilities: string[];
  tags: string[];
  exclusive: boolean;
  version: string | null;
}

/** Also upstream's legacy shim: abilities listed among the tags move to the capabilities. */
export function readRegister(raw: unknown): RegisterRequest {
  const body = object(raw);
  const name = body['name'];
  if (typeof name !== 'string' || name.trim() === '') throw invalid('name is required');
  let capabilities = strings(body, 'capabilities');
  let tags = strings(body, 'tags');
  if (capabilities.length === 0) {
    capabilities = tags.filter((t) => ABILITIES.includes(t));
    tags = tags.filter((t) => !ABILITIES.includes(t));
  }
  if (capabilities.length === 0) throw invalid('capabilities must not be empty');
  const unknown = capabilities.filter((c) => !ABILITIES.includes(c));
  if (unknown.length > 0)
    throw invalid(`unknown capabilities: ${unknown.join(', ')} (known: ${ABILITIES.join(', ')})`);
  const abilityTags = tags.filter((t) => ABILITIES.includes(t));
  if (abilityTags.length > 0)
    throw invalid(`tags must not name abilities (${abilityTags.join(', ')}); use capabilities`);
  const version = body['version'];
  return {
    name,
    capabilities: [...new Set(capabilities)],
    tags: [...new Set(tags)],
    exclusive: body['exclusive'] === true,
    version: typeof version === 'string' ? version : null,
  };
}

export function readWorkerId(raw: unknown): string {
  return workerId(object(raw));
}

export interface HeartbeatBody {
  workerId: string;
  /** Our extension: the steps the worker runs now; absent from older workers. */
  runningSteps?: Array<{ jobId: string; stepName: string }>;
}

export function readHeartbeat(raw: unknown): HeartbeatBody {
  const body = object(raw);
  const id = workerId(body);
  const list = body['running_steps'];
  if (list === undefined || list === null) return { workerId: id };
  if (!Array.isArray(list)) throw invalid('running_steps must be a list of {job_id, step_name}');
  const runningSteps = list.map((item: unknown) => {
    const entry = typeof item === 'object' && item !== null ? (item as Body) : {};
    const jobId = entry['job_id'];
    const stepName = entry['step_name'];
    if (typeof jobId !== 'string' || !isUuid(jobId) || typeof stepName !== 'string') {
      throw invalid('running_steps must be a list of {job_id, step_name}');
    }
    return { jobId: jobId.toLowerCase(), stepName };
  });
  return { workerId: id, runningSteps };
}

export interface ClaimBody {
  workerId: string;
  capabilities: string[];
  tags: string[];
  exclusive: boolean;
  waitSecs: number;
}

export function readClaim(raw: unknown): ClaimBody {
  const body = object(raw);
  const capabilities = strings(body, 'capabilities');
  if (capabilities.length === 0) throw invalid('capabilities must not be empty');
  const wait = body['wait_secs'] ?? 0;
  if (typeof wait !== 'number' || !Number.isFinite(wait) || wait < 0 || wait > MAX_CLAIM_WAIT_SECS)
    throw invalid(`wait_secs must be a number from 0 to ${MAX_CLAIM_WAIT_SECS}`);
  return {
    workerId: workerId(body),
    capabilities,
    tags: strings(body, 'tags'),
    exclusive: body['exclusive'] === true,
    waitSecs: wait,
  };
}

export function readComplete(raw: unknown): StepReport {
  const body = raw === undefined ? {} : object(raw);
  const exit = body['exit_code'];
  if (exit !== undefined && exit !== null && (typeof exit !== 'number' || !Number.isInteger(exit)))
    throw invalid('exit_code must be an integer');
  const error = body['error'];
  if (error !== undefined && error !== null && typeof error !== 'string')
    throw invalid('error must be a string');
  return {
    exit_code: exit as number | null | undefined,
    output: body['output'] as JsonValue | undefined,
    error: error as string | null | undefined,
  };
}

export interface LogsBody {
  stepName: string | null;
  lines: LogLine[];
}

export function readLogs(raw: unknown): LogsBody {
  const body = object(raw);
  const step = body['step_name'];
  if (step !== undefined && step !== null && typeof step !== 'string')
    throw invalid('step_name must be a string');
  const lines = body['lines'];
  if (!Array.isArray(lines)) throw invalid('lines must be a list');
  return {
    stepName: (step as string | null | undefined) ?? null,
    lines: lines.map((l, i) => {
      const line = object(l);
      if (typeof line['line'] !== 'string') throw invalid(`lines[${i}].line must be a string`);
      const stream = line['stream'] === 'stderr' ? 'stderr' : 'stdout';
      const ts = typeof line['ts'] === 'string' ? line['ts'] : new Date().toISOString();
      return { ts, stream, line: line['line'] };
    }),
  };
}
