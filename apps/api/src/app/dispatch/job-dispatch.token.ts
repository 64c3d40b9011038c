import type { AdvanceOutcome } from '../orchestrator/job-advance';

/**
 * The job creator's handle on DispatchService. A token instead of the class: the dispatcher
 * creates jobs itself (children), so importing the class back would make an import cycle.
 */
export const JOB_DISPATCH = Symbol('JOB_DISPATCH');

export interface JobDispatch {
  /** What follows a new job's first pass: child jobs, `on_suspended`, and — when the job is
   * already over (every step skipped, a root `when` error) — its terminal actions. */
  afterCreate(jobId: string, outcome: AdvanceOutcome): Promise<void>;
}
