/**
 * Step-to-step gap of the all-in-one setup (`stroem dev`: server + one worker), measured on a
 * 10-step linear chain of `true` steps, against a baseline taken in the same run: the same chain
 * under `stroem run`, which has no server, no database and no worker protocol.
 *
 * gap(k) = started_at(step k+1) − completed_at(step k), from the job detail of each run.
 * For the baseline the same instants are the moments `stroem run` prints `▶ started` and
 * `✓ completed`, stamped as the lines arrive.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  createWriteStream,
  mkdirSync,
  mkdtempSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { Client } from 'pg';

const REPO_ROOT = resolve(__dirname, '..');
const CLI = join(REPO_ROOT, 'bin/stroem.js');
const WORKSPACE = join(__dirname, 'workspaces/chain');
const TASK = 'chain-10';
const STEPS = Array.from({ length: 10 }, (_, i) => `s${String(i + 1).padStart(2, '0')}`);
const RUNS = Number(process.env['BENCH_RUNS'] ?? 20);
const WARM_UP = 2;

interface RunSample {
  /** The nine step-to-step gaps of one run, in ms. */
  gaps: number[];
  /** First step start → last step end, in ms. */
  span: number;
  /** A step's own time (its start to its end), the mean over this run's steps, in ms. */
  step: number;
  /** Job created → job completed, in ms (server only). */
  total?: number;
}

interface Summary {
  runs: number;
  gap_median_ms: number;
  gap_p95_ms: number;
  gap_max_ms: number;
  span_median_ms: number;
  step_median_ms: number;
  total_median_ms?: number;
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1] ?? NaN;
}

const median = (values: number[]) => percentile(values, 50);

/** A run's sample; a step's own time is what the span leaves after the gaps. */
function sample(gaps: number[], span: number, total?: number): RunSample {
  const step = (span - gaps.reduce((a, b) => a + b, 0)) / STEPS.length;
  return { gaps, span, step, ...(total === undefined ? {} : { total }) };
}

function summarize(samples: RunSample[]): Summary {
  const gaps = samples.flatMap((s) => s.gaps);
  const totals = samples.flatMap((s) => (s.total === undefined ? [] : [s.total]));
  const round = (n: number) => Math.round(n * 100) / 100;
  return {
    runs: samples.length,
    gap_median_ms: round(percentile(gaps, 50)),
    gap_p95_ms: round(percentile(gaps, 95)),
    gap_max_ms: round(Math.max(...gaps)),
    span_median_ms: round(median(samples.map((s) => s.span))),
    step_median_ms: round(median(samples.map((s) => s.step))),
    ...(totals.length > 0 ? { total_median_ms: round(percentile(totals, 50)) } : {}),
  };
}

// ── baseline: `stroem run` ───────────────────────────────────────────────────────────────────

async function baselineRun(): Promise<RunSample> {
  const child = spawn(process.execPath, [CLI, 'run', TASK, '--path', WORKSPACE], {
    env: { ...process.env, NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const started = new Map<string, number>();
  const completed = new Map<string, number>();
  let output = '';
  const lines = createInterface({ input: child.stdout });
  lines.on('line', (line) => {
    const at = performance.now();
    output += `${line}\n`;
    const match = /^(s\d\d)\s+(▶ started|✓ completed)/.exec(line);
    if (!match) return;
    (match[2] === '▶ started' ? started : completed).set(match[1] ?? '', at);
  });
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const code = await new Promise<number | null>((done) => child.on('close', done));
  if (code !== 0) throw new Error(`stroem run ${TASK} exited with ${code}:\n${output}`);
  const at = (map: Map<string, number>, step: string) => {
    const t = map.get(step);
    if (t === undefined) throw new Error(`no line for step ${step} in:\n${output}`);
    return t;
  };
  return sample(
    STEPS.slice(1).map((step, i) => at(started, step) - at(completed, STEPS[i] ?? '')),
    at(completed, STEPS[9] ?? '') - at(started, STEPS[0] ?? ''),
  );
}

// ── the all-in-one setup: `stroem dev` ───────────────────────────────────────────────────────

function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const probe = createServer();
    probe.once('error', fail);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => done(port));
    });
  });
}

async function getJson<T>(url: string, init?: RequestInit): Promise<{ status: number; body: T }> {
  const res = await fetch(url, { ...init, signal: AbortSignal.timeout(10_000) });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : null) as T };
}

async function until<T>(
  what: string,
  timeoutMs: number,
  probe: () => Promise<T | undefined>,
  gone: () => boolean = () => false,
) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (gone()) throw new Error(`stroem dev exited while waiting for ${what}`);
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch {
      // not yet
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

interface JobDetail {
  status: string;
  created_at: string;
  completed_at: string | null;
  steps: {
    step_name: string;
    status: string;
    started_at: string | null;
    completed_at: string | null;
  }[];
}

/** A database of its own on DATABASE_URL's server, or nothing (the server's embedded one). */
async function benchDatabase(): Promise<{ url?: string; label: string; drop(): Promise<void> }> {
  const base = process.env['DATABASE_URL'];
  if (!base) return { label: 'embedded PostgreSQL', drop: async () => undefined };
  const name = `stroem_bench_${randomBytes(4).toString('hex')}`;
  const admin = new Client({ connectionString: base });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(base);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    label: `PostgreSQL at ${url.host} (DATABASE_URL)`,
    async drop() {
      const client = new Client({ connectionString: base });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await client.end();
    },
  };
}

async function stopDev(dev: ChildProcess): Promise<void> {
  if (dev.exitCode !== null || dev.signalCode !== null || dev.pid === undefined) return;
  const exited = new Promise((r) => dev.once('exit', r));
  dev.kill('SIGINT');
  const timer = setTimeout(() => {
    try {
      process.kill(-(dev.pid ?? 0), 'SIGKILL');
    } catch {
      // gone
    }
  }, 30_000);
  await exited;
  clearTimeout(timer);
}

async function serverRuns(dir: string): Promise<{ samples: RunSample[]; database: string }> {
  const database = await benchDatabase();
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const log = createWriteStream(join(dir, 'stroem-dev.log'));
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
  if (database.url) env['DATABASE_URL'] = database.url;
  // The embedded cluster on a free port, so a running `npm start` (port 54329) does not matter.
  else env['STROEM__DB__EMBEDDED__PORT'] = String(await freePort());
  // The embedded cluster's data (.data/pg) and the worker's cache land in this temp folder.
  const dev = spawn(process.execPath, [CLI, 'dev', '--path', WORKSPACE, '--port', String(port)], {
    cwd: dir,
    env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  dev.stdout?.pipe(log);
  dev.stderr?.pipe(log);
  const cleanUp = () => dev.pid !== undefined && process.kill(-dev.pid, 'SIGKILL');
  process.once('exit', cleanUp);
  try {
    await until(
      'the server and a worker',
      120_000,
      async () => {
        const res = await getJson<{ items: { status: string }[] }>(`${base}/api/workers`);
        return res.body.items.some((w) => w.status === 'active') ? true : undefined;
      },
      () => dev.exitCode !== null,
    ).catch((err: Error) => {
      throw new Error(`${err.message}; see ${join(dir, 'stroem-dev.log')}`);
    });

    const samples: RunSample[] = [];
    for (let i = 0; i < WARM_UP + RUNS; i++) {
      const exec = await getJson<{ job_id: string }>(
        `${base}/api/workspaces/default/tasks/${TASK}/execute`,
        { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' },
      );
      if (exec.status !== 200) throw new Error(`execute answered ${exec.status}`);
      const job = await until(`job ${exec.body.job_id}`, 60_000, async () => {
        const res = await getJson<JobDetail>(`${base}/api/jobs/${exec.body.job_id}`);
        return ['completed', 'failed', 'cancelled'].includes(res.body.status)
          ? res.body
          : undefined;
      });
      if (job.status !== 'completed') throw new Error(`job ended ${job.status}`);
      if (i < WARM_UP) continue;
      const ms = (iso: string | null) => (iso ? Date.parse(iso) : NaN);
      const step = (name: string) => {
        const found = job.steps.find((s) => s.step_name === name);
        if (!found) throw new Error(`job has no step ${name}`);
        return found;
      };
      samples.push(
        sample(
          STEPS.slice(1).map(
            (name, k) => ms(step(name).started_at) - ms(step(STEPS[k] ?? '').completed_at),
          ),
          ms(step(STEPS[9] ?? '').completed_at) - ms(step(STEPS[0] ?? '').started_at),
          ms(job.completed_at) - ms(job.created_at),
        ),
      );
    }
    return { samples, database: database.label };
  } finally {
    await stopDev(dev);
    process.off('exit', cleanUp);
    log.end();
    await database.drop();
  }
}

// ── report ───────────────────────────────────────────────────────────────────────────────────

function table(rows: string[][]): string {
  const widths = rows[0]?.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length))) ?? [];
  return rows
    .map((r) =>
      r
        .map((cell, c) => (c === 0 ? cell.padEnd(widths[c] ?? 0) : cell.padStart(widths[c] ?? 0)))
        .join('  '),
    )
    .join('\n');
}

export async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'stroem-bench-'));
  // Run as root, the embedded PostgreSQL runs as `postgres` and must reach .data/pg below here.
  chmodSync(dir, 0o755);
  process.stdout.write(`step-gap: ${TASK}, ${RUNS} runs each (+${WARM_UP} warm-up)\n`);

  const baseline: RunSample[] = [];
  for (let i = 0; i < WARM_UP + RUNS; i++) {
    const sample = await baselineRun();
    if (i >= WARM_UP) baseline.push(sample);
  }
  const server = await serverRuns(dir);

  const b = summarize(baseline);
  const s = summarize(server.samples);
  const ratio = (x: number, y: number) => Math.round((x / y) * 10) / 10;
  // The server's timestamps have millisecond resolution; `stroem run` starts the next step in
  // the same tick, so its gap is far below that and a gap ratio would only measure noise.
  const gapRatio = b.gap_median_ms >= 1 ? ratio(s.gap_median_ms, b.gap_median_ms) : null;
  const fmt = (n: number | undefined) => (n === undefined ? '—' : n.toFixed(1));
  const times = (r: number | null) => (r === null ? 'n/a' : `×${r}`);
  process.stdout.write(
    '\n' +
      table([
        ['', 'gap median', 'gap p95', 'gap max', 'step median', 'chain span', 'job total'],
        [
          'stroem run (baseline), ms',
          fmt(b.gap_median_ms),
          fmt(b.gap_p95_ms),
          fmt(b.gap_max_ms),
          fmt(b.step_median_ms),
          fmt(b.span_median_ms),
          '—',
        ],
        [
          'stroem dev (server + worker), ms',
          fmt(s.gap_median_ms),
          fmt(s.gap_p95_ms),
          fmt(s.gap_max_ms),
          fmt(s.step_median_ms),
          fmt(s.span_median_ms),
          fmt(s.total_median_ms),
        ],
        [
          'ratio dev / baseline',
          times(gapRatio),
          '',
          '',
          times(ratio(s.step_median_ms, b.step_median_ms)),
          times(ratio(s.span_median_ms, b.span_median_ms)),
          '',
        ],
      ]) +
      `\n\ndatabase: ${server.database}; target: median gap < 20 ms → ${s.gap_median_ms < 20 ? 'met' : 'NOT met'}\n`,
  );

  const result = {
    bench: 'step-gap',
    date: new Date().toISOString(),
    node: process.version,
    cpu: `${cpus().length} × ${cpus()[0]?.model ?? 'unknown'}`,
    database: server.database,
    task: TASK,
    runs: RUNS,
    baseline: { setup: 'stroem run (local, no server)', ...b },
    server: { setup: 'stroem dev (server + 1 worker)', ...s },
    ratio: {
      gap_median: gapRatio,
      step_median: ratio(s.step_median_ms, b.step_median_ms),
      span_median: ratio(s.span_median_ms, b.span_median_ms),
    },
    samples: { baseline, server: server.samples },
  };
  mkdirSync(join(__dirname, 'results'), { recursive: true });
  const file = join(__dirname, 'results', 'step-gap.json');
  writeFileSync(file, JSON.stringify(result, null, 2) + '\n');
  process.stdout.write(`written: ${file}\n`);
  rmSync(dir, { recursive: true, force: true });
}
