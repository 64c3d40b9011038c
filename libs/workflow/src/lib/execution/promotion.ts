/**
 * Promotion of pending steps (reference §2.17.2): when a step's dependencies allow it to run,
 * when it is skipped (cascade, false `when`, unreachable) and when its condition fails it.
 */
import type { StepStatus } from './step-status';

/** The parts of a flow step promotion looks at. */
export interface PromotableStep {
  depends_on: readonly string[];
  continue_on_failure: boolean;
  when?: string;
}

export type ConditionResult = { ok: true; value: boolean } | { ok: false; error: string };

export type SkipReason = 'all-dependencies-skipped' | 'condition-false' | 'dependency-failed';

export type PromotionDecision =
  | { action: 'wait' }
  | { action: 'ready' }
  | { action: 'skip'; reason: SkipReason }
  | { action: 'fail'; error: string };

function dependencyMet(status: StepStatus, continueOnFailure: boolean): boolean {
  if (status === 'completed' || status === 'skipped') return true;
  return continueOnFailure && (status === 'failed' || status === 'cancelled');
}

/**
 * Decides what happens to one pending step given its dependencies' statuses.
 * `evaluateWhen` is only called when the step has a `when` and its dependencies are met.
 * For a `for_each` placeholder, `ready` means "expand the loop now".
 */
export function decidePromotion(
  step: PromotableStep,
  dependencyStatuses: readonly StepStatus[],
  evaluateWhen: () => ConditionResult,
): PromotionDecision {
  const met = dependencyStatuses.every((s) => dependencyMet(s, step.continue_on_failure));
  if (!met) {
    const unreachable =
      !step.continue_on_failure &&
      dependencyStatuses.some((s) => s === 'failed' || s === 'cancelled');
    return unreachable ? { action: 'skip', reason: 'dependency-failed' } : { action: 'wait' };
  }
  if (
    dependencyStatuses.length > 0 &&
    !step.continue_on_failure &&
    dependencyStatuses.every((s) => s === 'skipped')
  ) {
    return { action: 'skip', reason: 'all-dependencies-skipped' };
  }
  if (step.when !== undefined) {
    const result = evaluateWhen();
    if (!result.ok) return { action: 'fail', error: `when condition error: ${result.error}` };
    return result.value ? { action: 'ready' } : { action: 'skip', reason: 'condition-false' };
  }
  return { action: 'ready' };
}

export interface PromotionChange {
  step: string;
  decision: Exclude<PromotionDecision, { action: 'wait' }>;
}

/**
 * Runs promotion over every pending step until nothing changes, the way the orchestrator does
 * after each step reaches a terminal state (and at job creation). `statuses` is not modified;
 * the changes are returned in the order they were decided. `evaluateWhen` receives the statuses
 * as they stand at that moment, so skipped steps decided earlier in the same pass are visible.
 */
export function promoteSteps(
  steps: Readonly<Record<string, PromotableStep>>,
  statuses: Readonly<Record<string, StepStatus>>,
  evaluateWhen: (step: string, statuses: Readonly<Record<string, StepStatus>>) => ConditionResult,
): PromotionChange[] {
  const current: Record<string, StepStatus> = { ...statuses };
  const changes: PromotionChange[] = [];
  let changed = true;
  while (changed) {
    changed = false;
    for (const [name, step] of Object.entries(steps)) {
      if (current[name] !== 'pending') continue;
      const depStatuses = step.depends_on.map((d) => current[d] ?? 'pending');
      const decision = decidePromotion(step, depStatuses, () => evaluateWhen(name, current));
      if (decision.action === 'wait') continue;
      current[name] =
        decision.action === 'ready' ? 'ready' : decision.action === 'skip' ? 'skipped' : 'failed';
      changes.push({ step: name, decision });
      changed = true;
    }
  }
  return changes;
}
