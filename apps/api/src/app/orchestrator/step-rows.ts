/**
 * The rows of a new job (reference §2.17.1): the job, and per flow step its unrendered input and
 * action, routing (§2.5 derived values), timeout, retry policy and DAG fields.
 */
import { randomUUID } from 'node:crypto';
import { JobEntity, JobStepEntity } from '@stroem/db';
import {
  effectiveRetry,
  type ActionDef,
  type FlowStep,
  type JsonObject,
  type TaskDef,
} from '@stroem/workflow';

export interface Routing {
  requiredAbility: string;
  requiredTags: string[];
  runner: string;
}

/** Which workers may run an action's steps. */
export function routingOf(action: ActionDef): Routing {
  const tags = [...new Set(action.tags)];
  switch (action.type) {
    case 'script': {
      const runner = action.runner ?? 'local';
      const ability = runner === 'docker' ? 'docker' : runner === 'pod' ? 'kubernetes' : 'script';
      return { requiredAbility: ability, requiredTags: tags, runner };
    }
    case 'docker':
      return { requiredAbility: 'docker', requiredTags: tags, runner: 'none' };
    case 'pod':
      return { requiredAbility: 'kubernetes', requiredTags: tags, runner: 'none' };
    case 'agent':
      return { requiredAbility: 'agent', requiredTags: tags, runner: 'none' };
    default:
      return { requiredAbility: '', requiredTags: [], runner: 'none' };
  }
}

export class UnknownActionError extends Error {}

export interface NewJob {
  workspace: string;
  revision: string;
  taskName: string;
  task: TaskDef;
  actions: Record<string, ActionDef>;
  input: JsonObject;
  rawInput: JsonObject;
  sourceType: string;
  /** The job a Re-run was made from. */
  sourceJobId?: string | null;
  /** Task-level retry: the failed job this one retries, and its attempt number. */
  retryOf?: { jobId: string; attempt: number; maxRetries: number };
  sourceId: string | null;
  defaultStepTimeout?: number;
  defaultJobTimeout?: number;
  /**
   * Cross-workspace references (reference §2.7): a dotted action that is not a key of
   * `actions` resolves in the workspace of that name, pinned at its current revision.
   */
  resolveForeign?: (name: string) => ForeignAction | undefined;
}

/** An action owned by another workspace, at the revision the job pins. */
export interface ForeignAction {
  action: ActionDef;
  workspace: string;
  revision: string;
}

function stepRow(
  jobId: string,
  name: string,
  step: FlowStep,
  action: ActionDef,
  job: NewJob,
  owner?: ForeignAction,
): JobStepEntity {
  const retry = action.type === 'task' ? undefined : effectiveRetry(step.retry, action.retry);
  const forEach =
    step.for_each === undefined
      ? null
      : typeof step.for_each === 'string'
        ? step.for_each
        : JSON.stringify(step.for_each);
  return Object.assign(new JobStepEntity(), {
    jobId,
    stepName: name,
    actionName: step.action,
    actionType: action.type,
    actionImage: action.image ?? null,
    actionSpec: JSON.parse(JSON.stringify(action)) as JsonObject,
    input: step.input,
    output: null,
    status: 'pending',
    workerId: null,
    startedAt: null,
    completedAt: null,
    readyAt: null,
    suspendedAt: null,
    errorMessage: null,
    ...routingOf(action),
    timeoutSecs: step.timeout ?? job.defaultStepTimeout ?? null,
    whenCondition: step.when ?? null,
    forEachExpr: forEach,
    dependsOn: step.depends_on,
    continueOnFailure: step.continue_on_failure,
    sequential: step.sequential,
    loopSource: null,
    loopIndex: null,
    loopTotal: null,
    loopItem: null,
    agentState: null,
    retryAttempt: 0,
    maxRetries: retry?.max_attempts ?? null,
    retryBackoffSecs: retry?.delay ?? null,
    retryStrategy: retry?.backoff ?? null,
    retryJitter: retry?.jitter ?? false,
    retryHistory: [],
    retryAt: null,
    actionWorkspace: owner?.workspace ?? null,
    actionRevision: owner?.revision ?? null,
  } satisfies Partial<JobStepEntity>);
}

/** All steps start pending; the first orchestration pass makes the roots ready. */
export function newJobRows(job: NewJob): { job: JobEntity; steps: JobStepEntity[] } {
  const jobId = randomUUID();
  const steps = Object.entries(job.task.flow).map(([name, step]) => {
    const action = Object.hasOwn(job.actions, step.action) ? job.actions[step.action] : undefined;
    const owner = action ? undefined : job.resolveForeign?.(step.action);
    if (!action && !owner) {
      throw new UnknownActionError(
        `Step '${name}' references action '${step.action}', which does not exist`,
      );
    }
    return stepRow(jobId, name, step, action ?? (owner as ForeignAction).action, job, owner);
  });
  const row = Object.assign(new JobEntity(), {
    jobId,
    workspace: job.workspace,
    taskName: job.taskName,
    mode: job.task.mode,
    input: job.input,
    rawInput: job.rawInput,
    output: null,
    status: 'pending',
    sourceType: job.sourceType,
    sourceId: job.sourceId,
    workerId: null,
    revision: job.revision,
    timeoutSecs: job.task.timeout ?? job.defaultJobTimeout ?? null,
    createdAt: new Date(),
    startedAt: null,
    completedAt: null,
    logPath: null,
    parentJobId: null,
    parentStepName: null,
    retryOfJobId: job.retryOf?.jobId ?? null,
    retryJobId: null,
    retryAttempt: job.retryOf?.attempt ?? 0,
    // Task-level retry (fixes reference §5.3 #2: upstream never copies it).
    maxRetries: job.retryOf?.maxRetries ?? job.task.retry?.max_attempts ?? null,
    sourceJobId: job.sourceJobId ?? null,
    restartFromStep: null,
    metricsRecordedAt: null,
  } satisfies Partial<JobEntity>);
  return { job: row, steps };
}
