/**
 * Event sources with real processes (reference §2.17.9): the leader's reconcile starts the
 * consumer task, a real worker runs it, and each `OUTPUT: {json}` line it prints becomes a
 * target job that the worker runs to completion.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { poll } from './harness/api';
import { scratchFolder, useStack } from './harness/stack';

const workspace = scratchFolder('stroem-e2e-event-source-');
mkdirSync(join(workspace, '.workflows'));
writeFileSync(
  join(workspace, '.workflows/events.yaml'),
  `
actions:
  produce:
    type: script
    script: |
      for i in 1 2 3; do echo "OUTPUT: {\\"n\\": $i}"; done
  handle:
    type: script
    script: "echo handled"
tasks:
  consume:
    flow:
      run: { action: produce }
  handle-event:
    input:
      n: { type: integer }
      origin: { type: string }
    flow:
      handle: { action: handle }
triggers:
  numbers:
    type: event_source
    task: consume
    target_task: handle-event
    restart_policy: never
    max_in_flight: 2
    input: { origin: "numbers" }
`,
);

const stack = useStack({
  workspaces: { default: workspace },
  serverConfig: { event_sources: { reconcile_interval_secs: 1 } },
});

interface JobItem {
  job_id: string;
  task_name: string;
  status: string;
  source_type: string;
  source_id: string | null;
}

describe('event sources (§2.17.9)', () => {
  it('a consumer printing three OUTPUT lines creates three target jobs that complete', async () => {
    const api = stack().api;
    const targets = await poll(
      async () =>
        (
          await api.get<{ items: JobItem[] }>('/api/jobs?source_type=event_source&limit=50')
        ).body.items.filter((j) => j.task_name === 'handle-event' && j.status === 'completed'),
      (jobs) => jobs.length >= 3,
      90_000,
      () => 'three completed target jobs did not appear',
    );
    expect(targets).toHaveLength(3);
    for (const t of targets) expect(t.source_id).toBe('default/numbers');
    const inputs = await Promise.all(targets.map(async (t) => (await api.job(t.job_id)).input));
    expect(inputs.map((i) => (i as { n: number }).n).sort()).toEqual([1, 2, 3]);
    for (const i of inputs) expect(i).toMatchObject({ origin: 'numbers' });
    const consumers = (
      await api.get<{ items: JobItem[] }>('/api/jobs?source_type=event_source&limit=50')
    ).body.items.filter((j) => j.task_name === 'consume');
    expect(consumers).toHaveLength(1);
    expect(consumers[0].status).toBe('completed');
  }, 120_000);
});
