/** The report printed when `stroem run` ends: a step table, failure details and the job output. */
import type { Styler } from '../output/style';
import { formatDuration, oneLine, renderTable } from '../output/table';
import type { LocalRunResult, StepRecord } from './local-executor';

const STATUS_COLOUR = {
  completed: 'green',
  failed: 'red',
  cancelled: 'yellow',
  skipped: 'dim',
} as const;

function statusCell(step: StepRecord, style: Styler): string {
  const colour = STATUS_COLOUR[step.status as keyof typeof STATUS_COLOUR];
  return colour ? style(colour, step.status) : step.status;
}

function durationCell(step: StepRecord): string {
  if (step.startedAt === undefined) return '-';
  return formatDuration((step.finishedAt ?? Date.now()) - step.startedAt);
}

/** Flow steps in order, each loop's instances right after their step. */
function inFlowOrder(steps: readonly StepRecord[]): StepRecord[] {
  const placeholders = steps.filter((s) => !s.loop);
  return placeholders.flatMap((p) => [
    p,
    ...steps
      .filter((s) => s.loop && s.flowStep === p.name)
      .sort((a, b) => (a.loop?.index ?? 0) - (b.loop?.index ?? 0)),
  ]);
}

export function renderRunSummary(
  task: string,
  result: LocalRunResult,
  elapsedMs: number,
  style: Styler,
): string {
  const rows = inFlowOrder(result.steps).map((s) => [
    s.name,
    statusCell(s, style),
    durationCell(s),
    s.error ? oneLine(s.error, 70) : '',
  ]);
  const parts = ['', renderTable(['STEP', 'STATUS', 'DURATION', 'ERROR'], rows)];

  const failures = result.steps.filter(
    (s) => s.status === 'failed' && s.error && s.error.includes('\n'),
  );
  for (const step of failures) {
    const body = (step.error ?? '')
      .trimEnd()
      .split('\n')
      .map((l) => `    ${l}`)
      .join('\n');
    parts.push('', style('red', `Step '${step.name}' failed:`), body);
  }

  parts.push(
    '',
    `Output: ${result.output === null ? 'null' : JSON.stringify(result.output, null, 2)}`,
  );
  const colour = STATUS_COLOUR[result.status];
  parts.push(
    '',
    style(['bold', colour], `Job ${result.status}`) +
      ` — task '${task}', ${formatDuration(elapsedMs)}`,
  );
  return parts.join('\n') + '\n';
}
