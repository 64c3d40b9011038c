/** `stroem run` approval gates: asked on the terminal, failed clearly without one. */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { BIN, REPO_ROOT, stroem, workspace } from './cli-harness';

jest.setTimeout(30_000);

const SHIP = {
  '.workflows/w.yaml': `
actions:
  gate: { type: approval, message: "Ship {{ input.v }}?" }
tasks:
  ship:
    input:
      v: { type: string, default: "1.2" }
    flow:
      approve: { action: gate }
      after:
        type: script
        depends_on: [approve]
        script: "echo approved={{ approve.output.approved }}"
`,
};

/** Runs the CLI on a pseudo-terminal (util-linux `script`), typing `reply` at the prompt. */
function runOnTerminal(args: string[], reply: string): Promise<string> {
  const command = [process.execPath, BIN, ...args].map((a) => `'${a}'`).join(' ');
  const child = spawn('script', ['-qec', command, '/dev/null'], {
    cwd: REPO_ROOT,
    env: { ...process.env, NO_COLOR: '1' },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let out = '';
  let replied = false;
  child.stdout.on('data', (d: Buffer) => {
    out += d.toString();
    if (!replied && out.includes('[y/N]')) {
      replied = true;
      child.stdin.write(`${reply}\r`);
    }
  });
  return new Promise((done) => child.on('close', () => done(out.replace(/\r/g, ''))));
}

const hasScript = existsSync('/usr/bin/script');

describe('stroem run with an approval step', () => {
  it('fails the step clearly when there is no terminal to ask, and skips what follows', async () => {
    const result = await stroem(['run', 'ship', '--path', workspace(SHIP)]);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(
      /approve\s+failed.*approval needs a terminal \(stroem run is not interactive here\)/,
    );
    expect(result.stdout).toMatch(/\nafter\s+skipped/);
  });

  (hasScript ? it : it.skip)('asks on the terminal; yes continues the run', async () => {
    const out = await runOnTerminal(['run', 'ship', '--path', workspace(SHIP)], 'y');
    expect(out).toContain(`Approve step 'approve'? Ship 1.2? [y/N]`);
    expect(out).toMatch(/approved=true/);
    expect(out).toMatch(/Job completed/);
  });

  (hasScript ? it : it.skip)('asks on the terminal; anything but yes rejects', async () => {
    const out = await runOnTerminal(['run', 'ship', '--path', workspace(SHIP)], 'n');
    expect(out).toMatch(/approve\s+failed.*Approval rejected/);
    expect(out).toMatch(/\nafter\s+skipped/);
    expect(out).toMatch(/Job failed/);
  });
});
