/** Step and job statuses and which of them are final (reference §2.17). */

export const STEP_STATUSES = [
  'pending',
  'ready',
  'running',
  'completed',
  'failed',
  'skipped',
  'cancelled',
  'suspended',
] as const;
export type StepStatus = (typeof STEP_STATUSES)[number];

export const JOB_STATUSES = [
  'pending',
  'running',
  'completed',
  'failed',
  'cancelled',
  'skipped',
] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

/** A step in one of these states will not change again (suspended waits for an approval). */
export function isTerminalStepStatus(status: StepStatus): boolean {
  return (
    status === 'completed' || status === 'failed' || status === 'skipped' || status === 'cancelled'
  );
}
