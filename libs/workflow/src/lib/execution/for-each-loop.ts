/**
 * Loop bookkeeping for `for_each` steps (reference §2.17.6): instance names, which instances
 * start, how a sequential loop advances and the placeholder's final verdict.
 */
import type { JsonValue } from '../model/workflow.model';
import { MAX_FOR_EACH_ITEMS } from '../template/for-each';
import { isTerminalStepStatus, type StepStatus } from './step-status';

/** `process[2]` */
export function loopInstanceName(step: string, index: number): string {
  return `${step}[${index}]`;
}

const INSTANCE_NAME = /^(.*)\[(\d+)\]$/;

/** `process[2]` → `{ step: 'process', index: 2 }`; `null` for a plain step name. */
export function parseLoopInstanceName(name: string): { step: string; index: number } | null {
  const m = INSTANCE_NAME.exec(name);
  return m ? { step: m[1], index: Number(m[2]) } : null;
}

/** The flow step a row belongs to: instances map to their placeholder's name. */
export function baseStepName(name: string): string {
  return parseLoopInstanceName(name)?.step ?? name;
}

export type LoopStartDecision =
  | { action: 'skip' }
  | { action: 'fail'; error: string }
  | { action: 'expand'; statuses: StepStatus[] };

/**
 * What a placeholder does with its computed items: nothing to do ⇒ skipped, too many ⇒ failed,
 * otherwise one instance per item — all ready, or only the first when sequential.
 */
export function startLoop(items: readonly JsonValue[], sequential: boolean): LoopStartDecision {
  if (items.length === 0) return { action: 'skip' };
  if (items.length > MAX_FOR_EACH_ITEMS) {
    return {
      action: 'fail',
      error: `for_each expression error: ${items.length} items exceed the limit of ${MAX_FOR_EACH_ITEMS}`,
    };
  }
  return {
    action: 'expand',
    statuses: items.map((_, i) => (sequential && i > 0 ? 'pending' : 'ready')),
  };
}

export interface LoopInstanceState {
  status: StepStatus;
  output?: JsonValue;
}

export interface SequentialAdvance {
  /** The instance index to make ready next, if any. */
  promote: number | null;
  /** Pending instances to skip because the loop stopped. */
  skip: number[];
}

/**
 * A sequential loop after instance `finished` reached a terminal state: the next instance
 * starts if this one completed or was skipped (or the step tolerates failures); otherwise every
 * remaining pending instance is skipped.
 */
export function advanceSequentialLoop(
  instances: readonly LoopInstanceState[],
  finished: number,
  continueOnFailure: boolean,
): SequentialAdvance {
  const status = instances[finished].status;
  const goOn = status === 'completed' || status === 'skipped' || continueOnFailure;
  const pending = instances
    .map((inst, i) => ({ inst, i }))
    .filter(({ inst, i }) => i > finished && inst.status === 'pending')
    .map(({ i }) => i);
  if (goOn) return { promote: pending.length > 0 ? pending[0] : null, skip: [] };
  return { promote: null, skip: pending };
}

export type LoopVerdict =
  | { done: false }
  | { done: true; status: 'completed'; output: JsonValue[] }
  | { done: true; status: 'failed'; error: string };

/**
 * The placeholder's outcome once every instance is terminal: failed when an instance failed and
 * the step does not tolerate failures, else completed with the instance outputs in index order
 * (`null` for failed or skipped instances).
 */
export function loopVerdict(
  instances: readonly LoopInstanceState[],
  continueOnFailure: boolean,
): LoopVerdict {
  if (!instances.every((inst) => isTerminalStepStatus(inst.status))) return { done: false };
  const failed = instances
    .map((inst, i) => ({ inst, i }))
    .filter(({ inst }) => inst.status === 'failed')
    .map(({ i }) => i);
  if (failed.length > 0 && !continueOnFailure) {
    return {
      done: true,
      status: 'failed',
      error: `for_each loop failed: instances [${failed.join(', ')}] failed`,
    };
  }
  return {
    done: true,
    status: 'completed',
    output: instances.map((inst) =>
      inst.status === 'completed' && inst.output !== undefined ? inst.output : null,
    ),
  };
}
