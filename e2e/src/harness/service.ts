/**
 * A real `bin/stroem-*.js` process for a test: its own process group (so teardown can kill
 * everything it started), its output kept in memory and in a file for the failure report.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, readdirSync, readFileSync, type WriteStream } from 'node:fs';
import { join, resolve } from 'node:path';

export const REPO_ROOT = resolve(__dirname, '../../..');

const running = new Set<ChildProcess>();

// If the jest worker goes away without teardown (a crash, a timeout), leave no process behind.
process.once('exit', () => {
  for (const child of running) killGroup(child, 'SIGKILL');
});

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid !== undefined) killProcessGroup(child.pid, signal);
}

function killProcessGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // the group is gone
  }
}

/**
 * Every process below `root`, from /proc. Steps run in process groups of their own, so killing
 * the worker's group does not reach them; the harness finds them here to leave nothing behind.
 */
export function descendants(root: number): { pid: number; pgid: number }[] {
  const children = new Map<number, { pid: number; pgid: number }[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue;
    }
    // pid (comm) state ppid pgrp …; comm may hold spaces and parentheses
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ppid = Number(fields[1]);
    const pgid = Number(fields[2]);
    const list = children.get(ppid) ?? [];
    list.push({ pid: Number(entry), pgid });
    children.set(ppid, list);
  }
  const found: { pid: number; pgid: number }[] = [];
  const queue = [root];
  while (queue.length > 0) {
    for (const child of children.get(queue.shift() ?? 0) ?? []) {
      found.push(child);
      queue.push(child.pid);
    }
  }
  return found;
}

/** SIGKILL for the process groups of `processes` (and each process itself). */
export function killAll(processes: { pid: number; pgid: number }[]): void {
  for (const p of processes) {
    killProcessGroup(p.pgid, 'SIGKILL');
    try {
      process.kill(p.pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
}

export interface ServiceSpec {
  /** Short name used in log reports, e.g. `server` or `worker-1`. */
  name: string;
  /** Path of the launcher, relative to the repository root (`bin/stroem-server.js`). */
  bin: string;
  args?: string[];
  env?: NodeJS.ProcessEnv;
  /** Where the output file goes. */
  logDir: string;
  /** Working directory (default: the repository root). */
  cwd?: string;
}

export class Service {
  readonly child: ChildProcess;
  private output = '';
  private readonly file: WriteStream;
  private exitInfo: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  readonly exited: Promise<void>;

  constructor(readonly spec: ServiceSpec) {
    this.file = createWriteStream(join(spec.logDir, `${spec.name}.log`));
    this.child = spawn(process.execPath, [join(REPO_ROOT, spec.bin), ...(spec.args ?? [])], {
      cwd: spec.cwd ?? REPO_ROOT,
      env: { ...process.env, NO_COLOR: '1', ...spec.env },
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    running.add(this.child);
    const keep = (chunk: Buffer) => {
      this.output += chunk.toString();
      this.file.write(chunk);
    };
    this.child.stdout?.on('data', keep);
    this.child.stderr?.on('data', keep);
    this.exited = new Promise((done) => {
      this.child.on('error', (err) => {
        this.output += `\n[harness] could not start: ${err.message}\n`;
        this.exitInfo = { code: null, signal: null };
        running.delete(this.child);
        done();
      });
      this.child.on('exit', (code, signal) => {
        this.exitInfo = { code, signal };
        running.delete(this.child);
        done();
      });
    });
  }

  get pid(): number {
    if (this.child.pid === undefined) throw new Error(`${this.spec.name} has no pid`);
    return this.child.pid;
  }

  get logs(): string {
    return this.output;
  }

  get hasExited(): boolean {
    return this.exitInfo !== undefined;
  }

  describeExit(): string {
    if (!this.exitInfo) return 'running';
    const { code, signal } = this.exitInfo;
    return signal ? `killed by ${signal}` : `exited with code ${code}`;
  }

  /** SIGKILL for the process alone (not its group): the way a crashed or OOM-killed process goes. */
  async kill9(): Promise<void> {
    this.orphans = descendants(this.pid).filter((p) => p.pgid !== this.pid);
    process.kill(this.pid, 'SIGKILL');
    await this.exited;
  }

  /** Step processes a `kill9` left running (in their own groups); `stop` kills them. */
  private orphans: { pid: number; pgid: number }[] = [];

  /** SIGTERM, up to `graceMs` to exit, then SIGKILL for the whole group either way. */
  async stop(graceMs = 10_000): Promise<void> {
    const below = this.hasExited ? [] : descendants(this.pid);
    if (!this.hasExited) {
      try {
        process.kill(this.pid, 'SIGTERM');
      } catch {
        // already gone
      }
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([this.exited, new Promise((r) => (timer = setTimeout(r, graceMs)))]);
      clearTimeout(timer);
    }
    killGroup(this.child, 'SIGKILL');
    killAll([...below, ...this.orphans]);
    await this.exited;
    await new Promise<void>((r) => this.file.end(r));
  }
}
