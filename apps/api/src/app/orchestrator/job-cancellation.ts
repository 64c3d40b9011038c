/**
 * What cancelling does to a locked job's rows (reference §2.17.10): the job ends `cancelled`,
 * every step still waiting ends `cancelled`, server-managed running steps too; worker steps keep
 * running until their worker kills them and reports, and then they end `cancelled` as well.
 */
import { SERVER_DISPATCHED_ACTION_TYPES, type JobStepEntity, type LockedJob } from '@stroem/db';
import type { JobStatus } from '@stroem/workflow';
import { setStatus } from './job-advance';

export const JOB_CANCELLED = 'Job cancelled';

export function isTerminalJobStatus(status: JobStatus): boolean {
  return (
    status === 'completed' || status === 'failed' || status === 'cancelled' || status === 'skipped'
  );
}

/** Loop placeholders and sub-job / approval steps run on the server, not on a worker. */
export function isServerManagedStep(row: JobStepEntity): boolean {
  return (
    (row.forEachExpr !== null && row.loopSource === null) ||
    SERVER_DISPATCHED_ACTION_TYPES.includes(row.actionType)
  );
}

/** The job is terminal and no step of it runs any more: its terminal actions may run. */
export function jobHasEnded(locked: LockedJob): boolean {
  return (
    isTerminalJobStatus(locked.job.status) && !locked.steps.some((s) => s.status === 'running')
  );
}

/** Cancels the job's rows in place; worker steps still running are left to their workers. */
export function cancelJobRows(locked: LockedJob, now: Date): void {
  locked.job.status = 'cancelled';
  locked.job.completedAt = now;
  for (const row of locked.steps) {
    if (row.status === 'pending' || row.status === 'ready' || row.status === 'suspended') {
      setStatus(row, 'cancelled', now);
    } else if (row.status === 'running' && isServerManagedStep(row)) {
      setStatus(row, 'cancelled', now, JOB_CANCELLED);
    }
  }
}

/**
 * A worker step of a cancelled job reports back (killed, or finished just before the kill):
 * a failure is the cancellation's doing, so the step ends `cancelled` — not `failed` as
 * upstream records it (reference §5.3 #12). A success keeps its output.
 */
export function recordStepOfCancelledJob(
  row: JobStepEntity,
  now: Date,
  outcome: { output: JobStepEntity['output']; error?: string },
): void {
  if (outcome.error === undefined) {
    row.output = outcome.output;
    setStatus(row, 'completed', now);
  } else {
    setStatus(row, 'cancelled', now, JOB_CANCELLED);
  }
}
