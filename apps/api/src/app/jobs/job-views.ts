/** Job rows as the REST API shows them (reference §3.1): snake_case, RFC 3339 UTC, nulls kept. */
import type { JobEntity, JobStepEntity } from '@stroem/db';
import { topologicalOrder } from '@stroem/workflow';

const iso = (d: Date | null) => (d ? d.toISOString() : null);

export function jobListItem(job: JobEntity) {
  return {
    job_id: job.jobId,
    workspace: job.workspace,
    task_name: job.taskName,
    mode: job.mode,
    status: job.status,
    source_type: job.sourceType,
    source_id: job.sourceId,
    revision: job.revision,
    created_at: iso(job.createdAt),
    started_at: iso(job.startedAt),
    completed_at: iso(job.completedAt),
    retry_of_job_id: job.retryOfJobId,
    retry_job_id: job.retryJobId,
    retry_attempt: job.retryAttempt,
    max_retries: job.maxRetries,
  };
}

function stepView(step: JobStepEntity) {
  return {
    step_name: step.stepName,
    action_name: step.actionName,
    action_type: step.actionType,
    action_image: step.actionImage,
    runner: step.runner,
    input: step.input,
    output: step.output,
    status: step.status,
    worker_id: step.workerId,
    started_at: iso(step.startedAt),
    completed_at: iso(step.completedAt),
    suspended_at: iso(step.suspendedAt),
    error_message: step.errorMessage,
    when_condition: step.whenCondition,
    for_each_expr: step.forEachExpr,
    loop_source: step.loopSource,
    loop_index: step.loopIndex,
    loop_total: step.loopTotal,
    depends_on: step.dependsOn,
    retry_attempt: step.retryAttempt,
    max_retries: step.maxRetries,
    retry_history: step.retryHistory,
    retry_at: iso(step.retryAt),
    ...approvalFields(step),
  };
}

/** Approval (and agent) steps also show their message and form fields (the action's input). */
function approvalFields(step: JobStepEntity) {
  if (step.actionType !== 'approval' && step.actionType !== 'agent') return {};
  const output = step.output;
  const message =
    output !== null && typeof output === 'object' && !Array.isArray(output)
      ? (output['approval_message'] ?? null)
      : null;
  return {
    approval_message: typeof message === 'string' ? message : null,
    approval_fields: step.actionSpec?.['input'] ?? {},
  };
}

/** Flow steps in dependency order (ties by name), each loop's instances right after it. */
export function orderSteps(steps: JobStepEntity[]): JobStepEntity[] {
  const flow = Object.fromEntries(
    steps
      .filter((s) => s.loopSource === null)
      .map((s) => [s.stepName, { depends_on: s.dependsOn }]),
  );
  const byName = new Map(steps.map((s) => [s.stepName, s]));
  const out: JobStepEntity[] = [];
  for (const name of topologicalOrder(flow)) {
    out.push(byName.get(name) as JobStepEntity);
    out.push(
      ...steps
        .filter((s) => s.loopSource === name)
        .sort((a, b) => (a.loopIndex ?? 0) - (b.loopIndex ?? 0)),
    );
  }
  return out;
}

export function jobDetail(job: JobEntity, steps: JobStepEntity[]) {
  return {
    job_id: job.jobId,
    workspace: job.workspace,
    task_name: job.taskName,
    mode: job.mode,
    input: job.input,
    raw_input: job.rawInput,
    output: job.output,
    status: job.status,
    source_type: job.sourceType,
    source_id: job.sourceId,
    source_job_id: job.sourceJobId,
    restart_from_step: job.restartFromStep,
    revision: job.revision,
    worker_id: job.workerId,
    created_at: iso(job.createdAt),
    started_at: iso(job.startedAt),
    completed_at: iso(job.completedAt),
    retry_of_job_id: job.retryOfJobId,
    retry_job_id: job.retryJobId,
    retry_attempt: job.retryAttempt,
    max_retries: job.maxRetries,
    parent_job_id: job.parentJobId,
    parent_step_name: job.parentStepName,
    steps: orderSteps(steps).map(stepView),
  };
}
