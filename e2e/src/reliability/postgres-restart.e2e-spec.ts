/**
 * PostgreSQL goes away and comes back under a busy stack: the server (never restarted) answers
 * 503 `{error}` meanwhile, reconnects, and every one of 100 jobs still ends completed, each step
 * run exactly once. The database is the test's own (`OwnPostgres`), stopped with a fast shutdown.
 */
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { poll, TERMINAL_JOB_STATUSES, type JobDetail } from '../harness/api';
import { OwnPostgres } from '../harness/own-postgres';
import { scratchFolder, Stack } from '../harness/stack';

const JOBS = 100;
const workspace = scratchFolder('stroem-e2e-pg-restart-');
const marks = scratchFolder('stroem-e2e-pg-restart-marks-');
mkdirSync(join(workspace, '.workflows'));
// `set -C`: the marker is created exclusively, so a second run of a job's step fails it.
writeFileSync(
  join(workspace, '.workflows/w.yaml'),
  `
actions:
  once:
    type: script
    script: |
      set -C
      echo ran > "${marks}/$STROEM_JOB_ID"
      sleep 0.2
      echo 'OUTPUT: {"done": true}'
tasks:
  work:
    flow:
      s: { action: once }
`,
);

let stack: Stack | undefined;
let pg: OwnPostgres | undefined;

beforeAll(async () => {
  pg = await OwnPostgres.start();
  stack = await Stack.start({
    database: pg,
    workspaces: { ws: workspace },
    // Started once all jobs are queued, so the outage hits the middle of the run.
    workers: 0,
    serverConfig: { leader_election: { retry_interval_secs: 1 } },
  });
}, 120_000);

afterAll(async () => {
  if (stack) {
    await stack.stop();
    if ((globalThis.__stroemE2eFailures ?? 0) > 0) process.stderr.write(stack.report());
    else stack.cleanUp();
  } else {
    await pg?.drop();
  }
}, 60_000);

function theStack(): Stack {
  if (!stack) throw new Error('the Strøm stack did not start (see the beforeAll error)');
  return stack;
}

const markers = () => readdirSync(marks);

it('survives a PostgreSQL restart during 100 jobs: none lost, none run twice', async () => {
  const s = theStack();
  const database = pg as OwnPostgres;
  const serverPid = s.server.pid;
  const started = Date.now();

  const ids: string[] = [];
  for (let i = 0; i < JOBS; i++) ids.push(await s.api.execute('ws', 'work'));
  const anId = ids[ids.length - 1] as string;
  await s.startWorker();
  await s.startWorker();

  // Mid-run: some steps done, most still to go.
  await poll(
    async () => markers().length,
    (n) => n >= 15,
    60_000,
    (n) => `only ${n} of ${JOBS} steps ran before the restart`,
  );
  const beforeStop = markers().length;
  await database.stop();
  const stoppedAt = Date.now();

  // While the database is down the API answers 503 with the one error shape.
  const during = await poll(
    () => s.api.get<{ error?: unknown }>(`/api/jobs/${anId}`),
    (res) => res.status === 503,
    15_000,
    (res) => `GET /api/jobs/:id during the outage answered ${res?.status}: ${res?.text}`,
  );
  expect(typeof during.body.error).toBe('string');
  expect(during.body.error).toMatch(/database unavailable/i);
  const health = await fetch(`${s.url}/healthz`, { signal: AbortSignal.timeout(5_000) });
  expect(health.status).toBe(503);

  // Keep it down ~4 s in all.
  await new Promise((r) => setTimeout(r, Math.max(0, 4_000 - (Date.now() - stoppedAt))));
  expect(s.server.hasExited).toBe(false);
  await database.restart();
  const outageMs = Date.now() - stoppedAt;

  await s.waitForHealthy(30_000);
  const jobs = await poll(
    async () => {
      const all: JobDetail[] = [];
      for (const id of ids) all.push(await s.api.job(id));
      return all;
    },
    (all) => all.every((job) => TERMINAL_JOB_STATUSES.includes(job.status)),
    60_000,
    (all) =>
      `not every job became terminal: ${JSON.stringify(
        (all ?? [])
          .filter((j) => !TERMINAL_JOB_STATUSES.includes(j.status))
          .map((j) => ({
            id: j.job_id,
            status: j.status,
            steps: j.steps.map((st) => `${st.step_name}: ${st.status}`),
          })),
      )}`,
  );

  const notCompleted = jobs.filter((job) => job.status !== 'completed');
  expect(notCompleted.map((j) => ({ id: j.job_id, status: j.status, steps: j.steps }))).toEqual([]);
  for (const job of jobs) {
    expect(job.steps).toHaveLength(1);
    expect(job.steps[0]?.status).toBe('completed');
    expect(job.steps[0]?.output).toEqual({ done: true });
  }
  // Each job's step ran exactly once: one marker per job (a second run would have failed).
  expect(markers().sort()).toEqual([...ids].sort());

  // The same server process throughout, healthy again.
  expect(s.server.hasExited).toBe(false);
  expect(s.server.pid).toBe(serverPid);
  const after = await fetch(`${s.url}/healthz`);
  expect(after.status).toBe(200);
  process.stdout.write(
    `postgres-restart: ${beforeStop} steps before the stop, outage ${outageMs} ms, all ${JOBS} jobs completed after ${Date.now() - started} ms\n`,
  );
}, 150_000);
