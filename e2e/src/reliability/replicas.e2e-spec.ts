/**
 * Several API replicas behind one database (issue "Recovery, HA and reliability"): two real
 * server processes share the database, the config and the workspace folder. A TCP load balancer
 * spreads the API client's and three workers' connections over both.
 *
 * First the cross-replica matrix, on direct replica URLs: a cancel sent to replica A stops a step
 * whose worker talks to replica B; a live SSE log stream on A shows B's worker's lines; a refresh
 * on A reloads the workspace on B at once. Then the acceptance run: 500 jobs through the balancer,
 * the leader SIGKILLed midway, every job completes and the every-second cron fires once per
 * second throughout, resuming on the survivor.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { Api, poll } from '../harness/api';
import { triggerJobsPerSecond } from '../harness/cron-jobs';
import type { Service } from '../harness/service';
import { scratchFolder, useStack } from '../harness/stack';
import { TcpProxy } from '../harness/tcp-proxy';

const TRIGGER = 'ws/every-second';
const JOBS = 500;

const workspace = scratchFolder('stroem-e2e-replicas-');
mkdirSync(join(workspace, '.workflows'));
writeFileSync(
  join(workspace, '.workflows/w.yaml'),
  `
actions:
  ok: { type: script, script: "true" }
  short: { type: script, script: "echo done" }
  slow:
    type: script
    tags: [via-b]
    script: |
      for i in $(seq 1 600); do echo "line $i"; sleep 0.1; done
tasks:
  tick:
    flow:
      s: { action: ok }
  short:
    flow:
      s: { action: short }
  slow:
    flow:
      s: { action: slow }
triggers:
  every-second:
    type: scheduler
    cron: "*/1 * * * * *"
    task: tick
`,
);

const stack = useStack({
  workspaces: { ws: workspace },
  workers: 0,
  serverConfig: {
    leader_election: { retry_interval_secs: 1 },
    // Only a forced refresh (or its NOTIFY) reloads the workspace within this file's run.
    workspaces: { ws: { type: 'folder', path: workspace, poll_interval_secs: 3600 } },
  },
});

let replicaB: Service | undefined;
let portA = 0;
let portB = 0;
let proxy: TcpProxy | undefined;
let db: Client;

beforeAll(async () => {
  const s = stack();
  portA = Number(new URL(s.url).port);
  const replica = await s.startReplica('server-b');
  replicaB = replica.service;
  portB = replica.port;
  proxy = await TcpProxy.start([portA, portB]);
  // The matrix's worker reports to replica B only and takes only the `via-b` steps.
  await s.startWorker({
    server_url: `http://127.0.0.1:${portB}`,
    tags: ['via-b'],
    exclusive: true,
  });
  for (let i = 0; i < 3; i++)
    await s.startWorker({ server_url: proxy.url, max_concurrent: 6, heartbeat_interval_secs: 5 });
  db = new Client({ connectionString: s.database.url });
  db.on('error', () => undefined);
  await db.connect();
}, 180_000);

afterAll(async () => {
  await db?.end().catch(() => undefined);
  // Workers first (they talk to the replicas), then replica B; the stack stops replica A.
  for (const worker of stack().workers) await worker.stop(10_000);
  await replicaB?.stop(15_000);
  await proxy?.stop();
  if ((globalThis.__stroemE2eFailures ?? 0) > 0 && replicaB) {
    process.stderr.write(`──── server-b (${replicaB.describeExit()}) ────\n${replicaB.logs}\n`);
  }
}, 60_000);

const apiA = () => new Api(`http://127.0.0.1:${portA}`);
const apiB = () => new Api(`http://127.0.0.1:${portB}`);

/** Is the replica on `port` the leader? `/healthz/detail` wants the worker token. */
async function isLeader(port: number): Promise<boolean> {
  const res = await fetch(`http://127.0.0.1:${port}/healthz/detail`, {
    headers: { authorization: `Bearer ${stack().token}` },
    signal: AbortSignal.timeout(3_000),
  });
  const body = (await res.json()) as { checks?: { leader?: boolean } };
  return body.checks?.leader === true;
}

/** Trigger jobs per second of `created_at` (the second the leader fired the slot in). */
function cronSeconds(from: Date, to: Date): Promise<{ second: number; n: number }[]> {
  return triggerJobsPerSecond(db, TRIGGER, from, to);
}

/** The longest run of consecutive seconds that have a trigger job. */
function longestRun(seconds: number[]): number {
  let best = 0;
  let run = 0;
  for (let i = 0; i < seconds.length; i++) {
    run = i > 0 && seconds[i] === seconds[i - 1] + 1 ? run + 1 : 1;
    best = Math.max(best, run);
  }
  return best;
}

/** Reads an SSE response until `seen` holds for the text so far (or the deadline passes). */
async function readSse(res: Response, seen: (text: string) => boolean, ms: number) {
  const reader = res.body?.getReader();
  if (!reader) throw new Error('the SSE response has no body');
  const decoder = new TextDecoder();
  let text = '';
  const deadline = Date.now() + ms;
  try {
    while (!seen(text) && Date.now() < deadline) {
      const chunk = await Promise.race([
        reader.read(),
        new Promise<undefined>((r) =>
          setTimeout(() => r(undefined), Math.max(0, deadline - Date.now())),
        ),
      ]);
      if (!chunk || chunk.done) break;
      text += decoder.decode(chunk.value, { stream: true });
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  return text;
}

describe('API replicas: requests work whichever replica they reach', () => {
  it('a cancel sent to replica A kills the step whose worker reports to replica B', async () => {
    const jobId = await apiA().execute('ws', 'slow');
    const running = await apiB().waitForJob(jobId, {
      until: (job) => job.status === 'running' && job.steps[0]?.status === 'running',
      what: 'a running step',
      timeoutMs: 30_000,
    });
    expect(running.status).toBe('running');
    const cancel = await apiA().post(`/api/jobs/${jobId}/cancel`);
    expect(cancel.status).toBe(200);
    // The job ends at once; the step once B's worker has killed it and reported back.
    const ended = await apiB().waitForJob(jobId, {
      until: (job) => job.status === 'cancelled' && job.steps[0]?.status === 'cancelled',
      what: 'cancelled with its step cancelled',
      timeoutMs: 20_000,
    });
    expect(ended.steps[0]).toMatchObject({ status: 'cancelled', error_message: 'Job cancelled' });
    // The step was killed, not left to finish its 60 s: its log stops well before line 600.
    const logs = await apiA().logs(jobId);
    expect(logs).toContain('line 1');
    expect(logs).not.toContain('line 600');
  });

  it('a live SSE log stream on replica A shows the lines of a step reporting to replica B', async () => {
    const jobId = await apiB().execute('ws', 'slow');
    const res = await fetch(`http://127.0.0.1:${portA}/api/jobs/${jobId}/logs/sse`, {
      headers: { accept: 'text/event-stream' },
    });
    expect(res.status).toBe(200);
    // Lines 20+ are written two seconds after the start: they arrive live, not as backfill.
    const text = await readSse(res, (t) => t.includes('line 25'), 30_000);
    expect(text).toMatch(/event: log/);
    expect(text).toContain('line 25');
    await apiA().post(`/api/jobs/${jobId}/cancel`);
    expect((await apiA().waitForJob(jobId, { timeoutMs: 20_000 })).status).toBe('cancelled');
  });

  it('a refresh on replica A reloads the workspace on replica B at once', async () => {
    const path = '/api/workspaces/ws/tasks/added';
    expect((await apiB().get(path)).status).toBe(404);
    writeFileSync(
      join(workspace, '.workflows/added.yaml'),
      'tasks:\n  added:\n    flow:\n      s: { action: short }\n',
    );
    const refresh = await apiA().post<{ refreshed?: boolean }>('/api/workspaces/ws/refresh');
    expect(refresh.status).toBe(200);
    expect((await apiA().get(path)).status).toBe(200);
    // Replica B's own poll is an hour away: only the refresh notice can reload it this soon.
    await poll(
      async () => (await apiB().get(path)).status,
      (status) => status === 200,
      5_000,
      (status) => `replica B still answers ${status} for the added task`,
    );
    const jobId = await apiB().execute('ws', 'added');
    expect((await apiB().waitForJob(jobId)).status).toBe('completed');
  });
});

describe('API replicas: the leader is SIGKILLed during a run of 500 jobs', () => {
  it('completes every job and fires the cron once per second, resuming on the survivor', async () => {
    const s = stack();
    const client = new Api(proxy?.url ?? '');
    const started = new Date();
    const leaderIsA = await isLeader(portA);
    expect(leaderIsA || (await isLeader(portB))).toBe(true);
    const [leader, survivorPort] = leaderIsA ? [s.server, portB] : [replicaB ?? s.server, portA];

    const ids: string[] = [];
    let retries = 0;
    let killedAt: Date | undefined;
    let takeover: Promise<Date> | undefined;
    let next = 0;
    const create = async () => {
      while (next < JOBS) {
        next++;
        if (ids.length >= JOBS * 0.4 && !killedAt) {
          killedAt = new Date();
          await leader.kill9();
          takeover = poll(
            () => isLeader(survivorPort),
            (leading) => leading,
            20_000,
            () => 'the surviving replica did not become leader within 20 s of the kill',
          ).then(() => new Date());
          // Awaited after the creation loop; until then a rejection is not "unhandled".
          takeover.catch(() => undefined);
        }
        for (let attempt = 1; ; attempt++) {
          try {
            ids.push(await client.execute('ws', 'short'));
            break;
          } catch (err) {
            // A request cut off by the kill: the balancer sends the retry to the survivor.
            retries++;
            if (attempt >= 5) throw err;
          }
        }
      }
    };
    await Promise.all(Array.from({ length: 6 }, create));
    expect(ids).toHaveLength(JOBS);
    expect(killedAt).toBeDefined();
    const createdBy = Date.now() - started.getTime();

    if (!takeover) throw new Error('the leader was not killed');
    const tookOverAt = await takeover;

    const ended = (by: Record<string, number>) =>
      ['completed', 'failed', 'cancelled'].reduce((n, k) => n + (by[k] ?? 0), 0) === JOBS;
    const statuses = await poll(
      async () => {
        const res = await db.query<{ status: string; n: string }>(
          'SELECT status, count(*) AS n FROM job WHERE job_id = ANY($1::uuid[]) GROUP BY status',
          [ids],
        );
        return Object.fromEntries(res.rows.map((r) => [r.status, Number(r.n)]));
      },
      ended,
      90_000,
      (by) => `not every job ended: ${JSON.stringify(by)}`,
    ).catch(async (err: Error) => {
      // Name the stuck steps: a step `running` on a live worker that never started it is a
      // claim whose answer died with the killed replica.
      const stuck = await db.query(
        `SELECT s.job_id, s.step_name, s.status, s.worker_id, s.started_at, w.name AS worker
           FROM job_step s LEFT JOIN worker w ON w.worker_id = s.worker_id
          WHERE s.job_id = ANY($1::uuid[]) AND s.status NOT IN ('completed', 'failed', 'cancelled')`,
        [ids],
      );
      throw new Error(`${err.message}\nsteps not ended: ${JSON.stringify(stuck.rows, null, 1)}`);
    });
    expect(statuses).toEqual({ completed: JOBS });

    // The cron ran after the takeover for at least 5 more seconds before we look.
    await poll(
      async () => (await cronSeconds(tookOverAt, new Date())).length,
      (n) => n >= 6,
      20_000,
      (n) => `the survivor fired the cron in only ${n} second(s) after taking over`,
    );
    const perSecond = await cronSeconds(started, new Date());
    const doubled = perSecond.filter((p) => p.n > 1);
    expect(doubled).toEqual([]);
    const after = perSecond
      .filter((p) => p.second * 1000 >= tookOverAt.getTime())
      .map((p) => p.second);
    expect(longestRun(after)).toBeGreaterThanOrEqual(5);

    process.stdout.write(
      `[replicas] ${JOBS} jobs created in ${createdBy} ms (${retries} retried request(s)), ` +
        `leader ${leader.spec.name} killed at ${killedAt?.toISOString()}, survivor leader at ` +
        `${tookOverAt.toISOString()}, all completed after ${Date.now() - started.getTime()} ms; ` +
        `cron seconds: ${perSecond.length}, balancer: ${JSON.stringify([...(proxy?.connections ?? [])])}\n`,
    );
  }, 180_000);
});
