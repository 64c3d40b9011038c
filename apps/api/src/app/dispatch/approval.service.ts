import { Injectable } from '@nestjs/common';
import type { ActionDef, JsonObject, JsonValue } from '@stroem/workflow';
import type { Principal } from '../auth/principal';
import { conflict, invalid, notFound, requireJobId } from '../errors/domain-errors';
import { JobAccess } from '../jobs/job-access.service';
import { setStatus } from '../orchestrator/job-advance';
import { DispatchService } from './dispatch.service';

/** `POST /api/jobs/{id}/steps/{step}/approve` body (reference §3.1). */
export interface ApprovalDecision {
  approved: boolean;
  input?: JsonObject;
  rejection_reason?: string;
}

export const DEFAULT_REJECTION_REASON = 'Approval rejected';
const MAX_REJECTION_REASON_BYTES = 4096;
/** Who approves while the server runs without auth. */
const ANONYMOUS = 'anonymous';

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function readDecision(body: unknown): ApprovalDecision {
  if (!isObject(body)) throw invalid('Request body must be a JSON object');
  if (typeof body['approved'] !== 'boolean') throw invalid('approved must be true or false');
  const input = body['input'];
  if (input !== undefined && input !== null && !isObject(input))
    throw invalid('input must be a JSON object');
  const reason = body['rejection_reason'];
  if (reason !== undefined && reason !== null && typeof reason !== 'string')
    throw invalid('rejection_reason must be a string');
  if (typeof reason === 'string' && Buffer.byteLength(reason) > MAX_REJECTION_REASON_BYTES)
    throw invalid(`rejection_reason must be at most ${MAX_REJECTION_REASON_BYTES} bytes`);
  return {
    approved: body['approved'],
    input: isObject(input) ? input : undefined,
    rejection_reason: typeof reason === 'string' ? reason : undefined,
  };
}

/** Required approval form fields (the action's `input` schema) the approver left empty. */
function missingFields(action: ActionDef, input: JsonObject): string[] {
  return Object.entries(action.input ?? {})
    .filter(([name, field]) => {
      if (!field.required || field.default !== undefined) return false;
      const value = input[name];
      return value === undefined || value === null || value === '';
    })
    .map(([name]) => name);
}

/**
 * Approves or rejects a suspended approval step (reference §2.17.8): approved ⇒ `completed`
 * with `approved`, `approved_by`, `approved_at` (and the form `input`) merged into its output;
 * rejected ⇒ `failed` with the reason. Decided under the job's row lock, so of two racing
 * decisions the second finds the step no longer suspended (409).
 */
@Injectable()
export class ApprovalService {
  constructor(
    private readonly dispatch: DispatchService,
    private readonly access: JobAccess,
  ) {}

  /** 404 when the job is missing or hidden from the caller, 403 when they may only view it. */
  async decide(
    principal: Principal | undefined,
    jobIdParam: string,
    stepName: string,
    body: unknown,
  ): Promise<{ status: 'approved' | 'rejected' }> {
    const jobId = requireJobId(jobIdParam);
    await this.access.requireRun(principal, await this.access.findViewable(principal, jobId));
    const decision = readDecision(body);
    const approver = principal?.email ?? ANONYMOUS;
    const found = await this.dispatch.update(jobId, (locked) => {
      const row = locked.steps.find((s) => s.stepName === stepName);
      if (!row) throw notFound(`Step '${stepName}' not found in job ${jobId}`);
      if (row.actionType !== 'approval')
        throw conflict(`Step '${stepName}' is not an approval step`);
      if (row.status !== 'suspended')
        throw conflict(`Step '${stepName}' is not waiting for approval (status: ${row.status})`);
      const now = new Date();
      if (!decision.approved) {
        const reason = decision.rejection_reason || DEFAULT_REJECTION_REASON;
        setStatus(row, 'failed', now, reason);
        return [`[approval] Step '${stepName}' rejected by ${approver}: ${reason}`];
      }
      const missing = missingFields(row.actionSpec as unknown as ActionDef, decision.input ?? {});
      if (missing.length > 0)
        throw invalid(
          `Missing required approval field${missing.length > 1 ? 's' : ''}: ${missing.join(', ')}`,
        );
      const output: Record<string, JsonValue> = isObject(row.output) ? { ...row.output } : {};
      output['approved'] = true;
      output['approved_by'] = approver;
      output['approved_at'] = now.toISOString();
      if (decision.input !== undefined) output['input'] = decision.input;
      row.output = output;
      setStatus(row, 'completed', now);
      return [`[approval] Step '${stepName}' approved by ${approver}`];
    });
    if (!found) throw notFound('Job not found');
    return { status: decision.approved ? 'approved' : 'rejected' };
  }
}
