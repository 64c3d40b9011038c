/**
 * The job's terminal verdict (reference §2.17.4 step 4): once every step is terminal the job
 * failed iff a failed step does not tolerate failures; otherwise it completed with the outputs
 * of the DAG's terminal steps.
 */
import type { JsonObject, JsonValue } from '../model/workflow.model';
import { terminalSteps } from '../dag/dag';
import { baseStepName } from './for-each-loop';
import { isTerminalStepStatus, type StepStatus } from './step-status';

export interface VerdictStep {
  depends_on: readonly string[];
  continue_on_failure: boolean;
}

export interface StepOutcome {
  status: StepStatus;
  output?: JsonValue;
}

export type JobVerdict =
  | { terminal: false }
  | { terminal: true; status: 'completed'; output: JsonObject | null }
  | { terminal: true; status: 'failed'; output: null };

/**
 * `steps` holds every step row of the job by name, loop instances (`x[i]`) included; an
 * instance counts with its flow step's `continue_on_failure`.
 */
export function jobVerdict(
  flow: Readonly<Record<string, VerdictStep>>,
  steps: Readonly<Record<string, StepOutcome>>,
): JobVerdict {
  const rows = Object.entries(steps);
  if (!rows.every(([, s]) => isTerminalStepStatus(s.status))) return { terminal: false };
  const intolerable = rows.some(
    ([name, s]) => s.status === 'failed' && !flow[baseStepName(name)]?.continue_on_failure,
  );
  if (intolerable) return { terminal: true, status: 'failed', output: null };
  const output: JsonObject = {};
  for (const leaf of terminalSteps(flow)) {
    const value = steps[leaf]?.output;
    if (value !== undefined && value !== null) output[leaf] = value;
  }
  return {
    terminal: true,
    status: 'completed',
    output: Object.keys(output).length > 0 ? output : null,
  };
}
