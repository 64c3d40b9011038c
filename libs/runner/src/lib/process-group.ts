/** Processes started in their own process group, so a cancel reaches every descendant. */
import { spawn, type ChildProcess } from 'node:child_process';

export interface GroupSpawnOptions {
  cwd: string;
  env: NodeJS.ProcessEnv;
}

/** Starts `command` as the leader of a new process group (its pid is the group id). */
export function spawnProcessGroup(
  command: string,
  args: readonly string[],
  options: GroupSpawnOptions,
): ChildProcess {
  return spawn(command, args, {
    cwd: options.cwd,
    env: options.env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // the group is already gone
  }
}

/**
 * SIGTERM to the whole group, then SIGKILL to whatever is left after `graceMs`.
 * Resolves once the group is gone or has been sent SIGKILL.
 */
export async function killProcessGroup(pgid: number, graceMs: number): Promise<void> {
  signalGroup(pgid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (!groupAlive(pgid)) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  signalGroup(pgid, 'SIGKILL');
}
