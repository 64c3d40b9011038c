/**
 * A task's DAG for the terminal: steps grouped into levels (a step sits one level below its
 * deepest dependency), each line naming what the step waits for. Parallel branches share a level.
 */
import { findCycle, topologicalOrder, type FlowStep } from '@stroem/workflow';
import type { Styler } from './style';

export function dagLevels(
  flow: Readonly<Record<string, Pick<FlowStep, 'depends_on'>>>,
): string[][] {
  const level = new Map<string, number>();
  for (const step of topologicalOrder(flow)) {
    const deps = flow[step].depends_on.filter((d) => level.has(d));
    level.set(
      step,
      deps.length === 0 ? 0 : Math.max(...deps.map((d) => level.get(d) as number)) + 1,
    );
  }
  const levels: string[][] = [];
  for (const [step, l] of level) (levels[l] ??= []).push(step);
  return levels;
}

function badges(step: FlowStep): string {
  const marks: string[] = [];
  if (step.when !== undefined) marks.push(`when ${step.when}`);
  if (step.for_each !== undefined) {
    const each = typeof step.for_each === 'string' ? step.for_each : JSON.stringify(step.for_each);
    marks.push(`for_each ${each}${step.sequential ? ' (sequential)' : ''}`);
  }
  if (step.continue_on_failure) marks.push('continue_on_failure');
  return marks.length > 0 ? `  [${marks.join('; ')}]` : '';
}

export function drawDag(flow: Readonly<Record<string, FlowStep>>, style: Styler): string {
  if (Object.keys(flow).length === 0) return '  (empty flow)';
  const cycle = findCycle(flow);
  if (cycle) return `  ${style('red', 'cycle:')} ${cycle.join(' → ')}`;
  const lines: string[] = [];
  const levels = dagLevels(flow);
  levels.forEach((steps, i) => {
    const head = `  ${String(i + 1).padStart(2)} `;
    const branch = steps.length > 1;
    steps.forEach((step, j) => {
      const connector = !branch ? '──' : j === 0 ? '┬─' : j === steps.length - 1 ? '└─' : '├─';
      const deps = flow[step].depends_on;
      const after = deps.length > 0 ? style('dim', ` ← ${deps.join(', ')}`) : '';
      const lead = j === 0 ? head : ' '.repeat(head.length);
      lines.push(
        `${lead}${connector} ${style('cyan', step)}${after}${style('dim', badges(flow[step]))}`,
      );
    });
    if (i < levels.length - 1) lines.push(`     ${style('dim', '│')}`);
  });
  return lines.join('\n');
}
