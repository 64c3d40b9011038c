/**
 * Live job logs: how fast a step's stdout reaches a WebSocket client, and how late each line is.
 * System: `stroem dev` (server + one worker) running `bench/workspaces/logs`; a `ws` client on
 * `GET /api/jobs/{id}/logs/stream` opened right after the job is created.
 *
 * - Throughput: task `print-lines` (N lines from `seq`); lines/s = N / (last − first line
 *   received). Baselines in the same run: the same stored log read back with
 *   `GET /api/jobs/{id}/logs` after the job, and sent over a raw `ws` loopback connection in
 *   64 KiB frames (no Strøm in the path).
 * - Latency: task `ticker` (a line `tick <epoch ms>` every 10 ms); latency = receive time − the
 *   stamp in the line (one machine, one clock). Baseline: the same ticker spawned directly,
 *   its stdout read through a pipe — what a line costs without worker, batching, server and WS.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, createWriteStream, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import WebSocket, { WebSocketServer } from 'ws';

const REPO_ROOT = resolve(__dirname, '..');
const CLI = join(REPO_ROOT, 'bin/stroem.js');
const WORKSPACE = join(__dirname, 'workspaces/logs');
const LINES = Number(process.env['BENCH_LOG_LINES'] ?? 200_000);
const TICKS = Number(process.env['BENCH_TICKS'] ?? 500);
const TICK_MS = 10;

const now = () => performance.timeOrigin + performance.now();
const round = (n: number) => Math.round(n * 100) / 100;

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(1, Math.ceil((p / 100) * sorted.length)) - 1] ?? NaN;
}

function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const probe = createServer();
    probe.once('error', fail);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => done(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

async function until<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function execute(base: string, task: string, input: Record<string, number>) {
  const res = await fetch(`${base}/api/workspaces/default/tasks/${task}/execute`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ input }),
  });
  if (res.status !== 200) throw new Error(`execute ${task}: HTTP ${res.status}`);
  return ((await res.json()) as { job_id: string }).job_id;
}

/** Every line of `step` as it arrives, stamped, until the server closes. */
function streamLines(url: string, step: string): Promise<{ at: number; line: string }[]> {
  return new Promise((done, fail) => {
    const ws = new WebSocket(url);
    const out: { at: number; line: string }[] = [];
    let carry = '';
    ws.on('message', (data) => {
      const at = now();
      const parts = (carry + data.toString()).split('\n');
      carry = parts.pop() ?? '';
      for (const p of parts) {
        const entry = JSON.parse(p) as { step: string; line: string };
        if (entry.step === step) out.push({ at, line: entry.line });
      }
    });
    ws.on('close', (code) =>
      code === 1000 ? done(out) : fail(new Error(`stream closed with ${code}`)),
    );
    ws.on('error', fail);
  });
}

/** The stored log through a plain `ws` server on loopback, in 64 KiB frames. */
async function rawWsLinesPerSec(text: string): Promise<number> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise((r) => wss.once('listening', r));
  const { port } = wss.address() as { port: number };
  wss.on('connection', (ws) => {
    const bytes = Buffer.from(text);
    for (let at = 0; at < bytes.length;) {
      let to = Math.min(at + 65536, bytes.length);
      if (to < bytes.length) to = bytes.lastIndexOf(0x0a, to - 1) + 1;
      ws.send(bytes.subarray(at, to).toString());
      at = to;
    }
    ws.close(1000);
  });
  let first = 0;
  let last = 0;
  let count = 0;
  await new Promise<void>((done, fail) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}`);
    ws.on('message', (data) => {
      last = now();
      if (first === 0) first = last;
      const s = data.toString();
      for (let i = s.indexOf('\n'); i >= 0; i = s.indexOf('\n', i + 1)) count++;
    });
    ws.on('close', () => done());
    ws.on('error', fail);
  });
  wss.close();
  return count / ((last - first) / 1000);
}

/** The ticker spawned directly: pipe latency of each line. */
async function pipeLatencies(): Promise<number[]> {
  const yaml = readFileSync(join(WORKSPACE, '.workflows/logs.yaml'), 'utf8');
  const script = /node -e '([\s\S]*?)'/.exec(yaml)?.[1];
  if (!script) throw new Error('no ticker script in the bench workspace');
  const child = spawn(process.execPath, ['-e', script, String(TICKS), String(TICK_MS)]);
  const latencies: number[] = [];
  createInterface({ input: child.stdout }).on('line', (line) => {
    const stamp = Number(line.split(' ')[1]);
    latencies.push(now() - stamp);
  });
  await new Promise((r) => child.on('close', r));
  return latencies;
}

async function stopDev(dev: ChildProcess): Promise<void> {
  if (dev.exitCode !== null || dev.pid === undefined) return;
  const exited = new Promise((r) => dev.once('exit', r));
  dev.kill('SIGINT');
  const timer = setTimeout(() => process.kill(-(dev.pid ?? 0), 'SIGKILL'), 30_000);
  await exited;
  clearTimeout(timer);
}

export async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'stroem-bench-logs-'));
  chmodSync(dir, 0o755);
  process.stdout.write(`log-stream: ${LINES} lines; ${TICKS} ticks every ${TICK_MS} ms\n`);
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
  if (!env['DATABASE_URL']) env['STROEM__DB__EMBEDDED__PORT'] = String(await freePort());
  const log = createWriteStream(join(dir, 'stroem-dev.log'));
  const dev = spawn(process.execPath, [CLI, 'dev', '--path', WORKSPACE, '--port', String(port)], {
    cwd: dir,
    env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  dev.stdout?.pipe(log);
  dev.stderr?.pipe(log);
  try {
    await until('the server and a worker', 120_000, async () => {
      const res = await fetch(`${base}/api/workers`);
      const body = (await res.json()) as { items: { status: string }[] };
      return body.items.some((w) => w.status === 'active') ? true : undefined;
    });
    const wsBase = base.replace('http', 'ws');

    // Warm-up: one small job through the whole path.
    const warm = await execute(base, 'print-lines', { n: 1000 });
    await streamLines(`${wsBase}/api/jobs/${warm}/logs/stream`, 'print');

    // Throughput.
    const started = now();
    const jobId = await execute(base, 'print-lines', { n: LINES });
    const received = await streamLines(`${wsBase}/api/jobs/${jobId}/logs/stream`, 'print');
    if (received.length !== LINES) throw new Error(`got ${received.length} of ${LINES} lines`);
    const first = received[0]?.at ?? NaN;
    const last = received[received.length - 1]?.at ?? NaN;
    const wsRate = LINES / ((last - first) / 1000);
    const wsEndToEnd = LINES / ((last - started) / 1000);
    const getStart = now();
    const stored = (await (await fetch(`${base}/api/jobs/${jobId}/logs`)).json()) as {
      logs: string;
    };
    const getRate = LINES / ((now() - getStart) / 1000);
    const rawRate = await rawWsLinesPerSec(stored.logs);

    // Latency.
    const tickJob = await execute(base, 'ticker', { count: TICKS, interval_ms: TICK_MS });
    const ticks = await streamLines(`${wsBase}/api/jobs/${tickJob}/logs/stream`, 'tick');
    const latencies = ticks.map((t) => t.at - Number(t.line.split(' ')[1]));
    const pipe = await pipeLatencies();

    const summary = {
      lines: LINES,
      ws_lines_per_sec: Math.round(wsRate),
      ws_lines_per_sec_from_execute: Math.round(wsEndToEnd),
      get_logs_lines_per_sec: Math.round(getRate),
      raw_ws_loopback_lines_per_sec: Math.round(rawRate),
      ticks: latencies.length,
      latency_p50_ms: round(percentile(latencies, 50)),
      latency_p99_ms: round(percentile(latencies, 99)),
      pipe_latency_p50_ms: round(percentile(pipe, 50)),
      pipe_latency_p99_ms: round(percentile(pipe, 99)),
    };
    const ratio = (x: number, y: number) => `×${round(x / y)}`;
    process.stdout.write(
      [
        '',
        `throughput, lines/s   stream (first→last line) ${summary.ws_lines_per_sec}` +
          `   from execute ${summary.ws_lines_per_sec_from_execute}`,
        `  baseline GET /logs  ${summary.get_logs_lines_per_sec}` +
          `   stream/GET ${ratio(wsRate, getRate)}`,
        `  baseline raw ws     ${summary.raw_ws_loopback_lines_per_sec}` +
          `   stream/raw ${ratio(wsRate, rawRate)}`,
        `latency, ms           p50 ${summary.latency_p50_ms}   p99 ${summary.latency_p99_ms}`,
        `  baseline pipe       p50 ${summary.pipe_latency_p50_ms}   p99 ${summary.pipe_latency_p99_ms}` +
          `   p50 ${ratio(summary.latency_p50_ms, summary.pipe_latency_p50_ms)}`,
        '',
      ].join('\n'),
    );
    writeFileSync(
      join(__dirname, 'results/log-stream.json'),
      JSON.stringify(
        {
          date: new Date().toISOString(),
          machine: { cpus: cpus().length, cpu: cpus()[0]?.model, node: process.version },
          summary,
          latencies_ms: latencies.map(round),
        },
        null,
        2,
      ) + '\n',
    );
  } finally {
    await stopDev(dev);
    log.end();
  }
}
