/**
 * Starting the server and worker as child processes of the CLI. The CLI may not import
 * apps/api or apps/worker (project boundaries), so it runs their launchers in `bin/`.
 *
 * Each child gets its own process group: a terminal's Ctrl-C then reaches only the CLI, which
 * stops the children in order (the worker before the server, so the server can still take the
 * worker's last report) instead of every process racing to shut down at once.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';

export const REPO_ROOT = resolve(__dirname, '../../../..');
export const SERVER_BIN = join(REPO_ROOT, 'bin/stroem-server.js');
export const WORKER_BIN = join(REPO_ROOT, 'bin/stroem-worker.js');

export interface ServiceOptions {
  bin: string;
  args?: readonly string[];
  env?: NodeJS.ProcessEnv;
  /** Prefix every output line with this (e.g. `server | `); without it output passes through untouched. */
  prefix?: string;
}

export interface ServiceProcess {
  readonly child: ChildProcess;
  /** Resolves with the exit code (128 + n when killed by signal n) once the process has exited. */
  readonly exited: Promise<number>;
  /** Sends SIGTERM, waits up to `graceMs`, then kills the whole process group. */
  stop(graceMs?: number): Promise<number>;
  signal(signal: NodeJS.Signals): void;
}

const SIGNAL_NUMBERS: Partial<Record<NodeJS.Signals, number>> = {
  SIGHUP: 1,
  SIGINT: 2,
  SIGKILL: 9,
  SIGTERM: 15,
};

function pipeLines(from: NodeJS.ReadableStream, to: NodeJS.WritableStream, prefix: string): void {
  const lines = createInterface({ input: from, crlfDelay: Infinity });
  lines.on('line', (line) => to.write(`${prefix}${line}\n`));
}

export function startService(options: ServiceOptions): ServiceProcess {
  const prefixed = options.prefix !== undefined;
  const child = spawn(process.execPath, [options.bin, ...(options.args ?? [])], {
    cwd: process.cwd(),
    env: options.env ?? process.env,
    detached: true,
    stdio: ['ignore', prefixed ? 'pipe' : 'inherit', prefixed ? 'pipe' : 'inherit'],
  });
  if (prefixed && child.stdout && child.stderr) {
    pipeLines(child.stdout, process.stdout, options.prefix ?? '');
    pipeLines(child.stderr, process.stderr, options.prefix ?? '');
  }
  const exited = new Promise<number>((done) => {
    child.on('error', (err) => {
      process.stderr.write(`stroem: could not start ${options.bin}: ${err.message}\n`);
      done(1);
    });
    child.on('exit', (code, signal) =>
      done(code ?? 128 + ((signal && SIGNAL_NUMBERS[signal]) || 1)),
    );
  });
  let gone = false;
  void exited.then(() => (gone = true));

  const signalGroup = (signal: NodeJS.Signals, group: boolean) => {
    if (gone || child.pid === undefined) return;
    try {
      process.kill(group ? -child.pid : child.pid, signal);
    } catch {
      // already gone
    }
  };
  return {
    child,
    exited,
    signal: (signal) => signalGroup(signal, false),
    async stop(graceMs = 15_000) {
      signalGroup('SIGTERM', false);
      const timer = setTimeout(() => signalGroup('SIGKILL', true), graceMs);
      const code = await exited;
      clearTimeout(timer);
      // Anything the process left behind in its group (a step it was running) goes too.
      if (child.pid !== undefined) {
        try {
          process.kill(-child.pid, 'SIGKILL');
        } catch {
          // the group is empty
        }
      }
      return code;
    },
  };
}

/**
 * Runs `onSignal` once for the first SIGINT/SIGTERM/SIGHUP. Signals arriving within a moment of
 * the first are the same Ctrl-C delivered twice (`npm start` forwards it to us as well as the
 * terminal does) and are ignored; a later one calls `onForce`.
 */
export function onStopSignals(
  onSignal: (signal: NodeJS.Signals) => void,
  onForce: () => void,
): () => void {
  let firstAt = 0;
  const handler = (signal: NodeJS.Signals) => {
    const now = Date.now();
    if (firstAt === 0) {
      firstAt = now;
      onSignal(signal);
    } else if (now - firstAt > 1_000) {
      onForce();
    }
  };
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  for (const s of signals) process.on(s, handler);
  return () => {
    for (const s of signals) process.off(s, handler);
  };
}

/**
 * Runs `bin` with `args` and this process's environment, forwarding stop signals to it, until
 * it exits; resolves with its exit code.
 */
export async function runInForeground(bin: string, args: readonly string[]): Promise<number> {
  const service = startService({ bin, args });
  const stopListening = onStopSignals(
    (signal) => service.signal(signal),
    () => service.signal('SIGKILL'),
  );
  try {
    return await service.exited;
  } finally {
    stopListening();
  }
}
