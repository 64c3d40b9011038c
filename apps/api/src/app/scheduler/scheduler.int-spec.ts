// The cron scheduler (reference §2.17.13) against a real database: jobs from a 6-field
// every-second trigger, the concurrency policies, hot reload and `catch_up: last`.
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import request from 'supertest';
import type { DataSource } from 'typeorm';
import { startTestServer, type TestServer } from '../../testing/test-server';
import { DATA_SOURCE } from '../database/database.module';
import { LeaderElection } from '../leadership/leader-election.service';
import { WorkspaceRegistry } from '../workspace/workspace-registry.service';
import { SchedulerService } from './scheduler.service';

const YEARLY = '0 0 0 1 1 *';

const workflows = (extra = '') => `
actions:
  ok: { type: script, script: "true" }
tasks:
  t:
    input:
      who: { type: string, default: nobody }
      greeting: { type: string, default: hello }
    flow:
      s: { action: ok }
triggers:
  every-second:
    type: scheduler
    cron: "*/1 * * * * *"
    task: t
    input: { who: "{{ not rendered }}" }
  skipper:
    type: scheduler
    cron: "${YEARLY}"
    task: t
    concurrency: skip
  canceller:
    type: scheduler
    cron: "${YEARLY}"
    task: t
    concurrency: cancel_previous
  kept:
    type: scheduler
    cron: "0 15 10 * * *"
    timezone: Europe/Copenhagen
    task: t
  changed:
    type: scheduler
    cron: "0 0 12 * * *"
    task: t
  removed:
    type: scheduler
    cron: "0 0 12 * * *"
    task: t
  disabled:
    type: scheduler
    cron: "*/1 * * * * *"
    task: t
    enabled: false
${extra}`;

interface JobRow {
  job_id: string;
  status: string;
  created_at: Date;
  input: Record<string, unknown>;
}

let server: TestServer;
let db: DataSource;
let scheduler: SchedulerService;

beforeAll(async () => {
  server = await startTestServer({ '.workflows/w.yaml': workflows() });
  db = server.app.get(DATA_SOURCE);
  scheduler = server.app.get(SchedulerService);
});
afterAll(() => server.close());

const jobsOf = (trigger: string): Promise<JobRow[]> =>
  db.query(
    `SELECT job_id, status, created_at, input FROM job
      WHERE source_type = 'trigger' AND source_id = $1 ORDER BY created_at`,
    [`default/${trigger}`],
  );

async function reloadWorkspace(): Promise<void> {
  const registry = server.app.get(WorkspaceRegistry);
  const ws = registry.get('default');
  if (!ws) throw new Error('no default workspace');
  await registry.refresh(ws);
}

const jobView = async (id: string) =>
  (await request(server.http).get(`/api/jobs/${id}`).expect(200)).body as {
    status: string;
    steps: unknown[];
  };

describe('scheduler', () => {
  it('leads its own database and runs the scheduler there', () => {
    expect(server.app.get(LeaderElection).isLeader()).toBe(true);
    expect(scheduler.isRunning).toBe(true);
  });

  it('fires a 6-field */1 trigger once a second, with its input unrendered plus task defaults', async () => {
    const started = Date.now();
    await new Promise((r) => setTimeout(r, 4500));
    const jobs = (await jobsOf('every-second')).filter((j) => j.created_at.getTime() >= started);
    expect(jobs.length).toBeGreaterThanOrEqual(3);
    for (let i = 1; i < jobs.length; i++) {
      const gap = jobs[i].created_at.getTime() - jobs[i - 1].created_at.getTime();
      expect(gap).toBeGreaterThanOrEqual(700);
      expect(gap).toBeLessThanOrEqual(1300);
    }
    expect(jobs[0].input).toEqual({ who: '{{ not rendered }}', greeting: 'hello' });
    expect(await jobsOf('disabled')).toEqual([]);
  });

  it('concurrency: skip records a bare skipped job while one is active', async () => {
    const first = await scheduler.fireTrigger('default', 'skipper');
    expect(first.kind).toBe('created');
    const second = await scheduler.fireTrigger('default', 'skipper');
    expect(second.kind).toBe('skipped');
    if (second.kind !== 'skipped' || first.kind !== 'created') return;
    expect(await jobView(second.jobId)).toMatchObject({ status: 'skipped', steps: [] });
    expect((await jobView(first.jobId)).status).toBe('pending');
    expect((await jobsOf('skipper')).map((j) => j.status)).toEqual(['pending', 'skipped']);
  });

  it('concurrency: cancel_previous cancels the active job, then creates a new one', async () => {
    const first = await scheduler.fireTrigger('default', 'canceller');
    const second = await scheduler.fireTrigger('default', 'canceller');
    expect(first.kind).toBe('created');
    expect(second.kind).toBe('created');
    if (first.kind !== 'created' || second.kind !== 'created') return;
    expect(second.cancelled).toEqual([first.jobId]);
    expect((await jobView(first.jobId)).status).toBe('cancelled');
    expect((await jobView(second.jobId)).status).toBe('pending');
  });

  it('fires a slot once: a slot already claimed (by any replica) is not fired again', async () => {
    const slot = new Date(Date.now() + 60_000);
    expect((await scheduler.fireTrigger('default', 'changed', slot)).kind).toBe('created');
    expect((await scheduler.fireTrigger('default', 'changed', slot)).kind).toBe(
      'claimed-elsewhere',
    );
  });

  it('GET /api/workspaces/{ws}/triggers lists every trigger with 5 next runs for schedulers', async () => {
    const res = await request(server.http).get('/api/workspaces/default/triggers').expect(200);
    const kept = res.body.find((t: { name: string }) => t.name === 'kept');
    expect(kept).toMatchObject({
      name: 'kept',
      type: 'scheduler',
      cron: '0 15 10 * * *',
      timezone: 'Europe/Copenhagen',
      task: 't',
      enabled: true,
      input: {},
    });
    expect(kept.next_runs).toHaveLength(5);
    for (const run of kept.next_runs) {
      expect(run).toMatch(/^\d{4}-\d\d-\d\dT(08|09):15:00\.000Z$/);
    }
    const disabled = res.body.find((t: { name: string }) => t.name === 'disabled');
    expect(disabled).toMatchObject({ enabled: false, next_runs: [] });
    await request(server.http).get('/api/workspaces/nope/triggers').expect(404);
  });

  it('hot reload keeps unchanged schedules, resets changed ones, drops removed ones', async () => {
    await scheduler.stop();
    const before = scheduler.schedule();
    const text = workflows(`
  added:
    type: scheduler
    cron: "0 0 12 * * *"
    task: t
`)
      .replace(
        'cron: "0 0 12 * * *"\n    task: t\n  removed:',
        'cron: "0 30 12 * * *"\n    task: t\n  removed:',
      )
      .replace(/ {2}removed:\n(?: {4}.*\n){3}/, '');
    writeFileSync(path.join(server.workspaceDir, '.workflows/w.yaml'), text);
    await reloadWorkspace();
    const later = new Date(Date.now() + 10 * 86400_000);
    scheduler.reconcile(later);
    const after = scheduler.schedule();
    expect(after.get('default/kept')).toEqual(before.get('default/kept'));
    expect(after.get('default/skipper')).toEqual(before.get('default/skipper'));
    expect(after.get('default/changed')?.getTime() ?? 0).toBeGreaterThan(later.getTime());
    expect(after.get('default/added')?.getTime() ?? 0).toBeGreaterThan(later.getTime());
    expect(after.has('default/removed')).toBe(false);
    expect(after.has('default/disabled')).toBe(false);
  });

  it('catch_up: last fires the latest missed slot once when the scheduler starts', async () => {
    await scheduler.stop();
    writeFileSync(
      path.join(server.workspaceDir, '.workflows/w.yaml'),
      workflows(`
  minutely:
    type: scheduler
    cron: "0 * * * * *"
    task: t
`).replace(/"\*\/1 \* \* \* \* \*"\n {4}task: t\n {4}input/, `"${YEARLY}"\n    task: t\n    input`),
    );
    await reloadWorkspace();
    const lastFired = new Date(Date.now() - 5 * 60_000);
    await db.query(
      `INSERT INTO scheduler_trigger_state (workspace, trigger_name, last_fired_at)
       VALUES ('default', 'minutely', $1)`,
      [lastFired],
    );
    server.config.scheduler = { catch_up: 'none' };
    await scheduler.start();
    await scheduler.stop();
    expect(await jobsOf('minutely')).toEqual([]);

    server.config.scheduler = { catch_up: 'last' };
    await scheduler.start();
    await scheduler.stop();
    const jobs = await jobsOf('minutely');
    expect(jobs).toHaveLength(1);
    const [state] = await db.query(
      `SELECT last_fired_at FROM scheduler_trigger_state
        WHERE workspace = 'default' AND trigger_name = 'minutely'`,
    );
    const slot = (state.last_fired_at as Date).getTime();
    expect(slot % 60_000).toBe(0);
    expect(Date.now() - slot).toBeLessThanOrEqual(60_000);

    // Caught up: starting again fires nothing more (unless a new minute began meanwhile).
    await scheduler.start();
    await scheduler.stop();
    const again = await jobsOf('minutely');
    expect(again.length === 1 || Date.now() - slot >= 60_000).toBe(true);
  });
});
