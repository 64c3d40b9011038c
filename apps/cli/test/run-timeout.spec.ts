import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { processGone, stroem, workspace } from './cli-harness';

jest.setTimeout(30_000);

describe('stroem run: task timeout', () => {
  it('cancels the run when the task outlives its timeout: exit 1, steps cancelled, processes gone', async () => {
    const root = workspace({
      'w.yaml': `tasks:
  slow:
    timeout: 1s
    flow:
      wait:
        type: script
        script: |
          sh -c 'echo $$ > grandchild.pid; exec sleep 60' &
          wait
      after:
        type: script
        depends_on: [wait]
        script: echo never
`,
    });
    const started = Date.now();
    const result = await stroem(['run', 'slow', '--path', root]);
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/Task 'slow' timed out after 1s: cancelling its steps/);
    expect(result.stdout).toMatch(/\nwait\s+cancelled/);
    expect(result.stdout).toMatch(/\nafter\s+cancelled/);
    expect(result.stdout).toMatch(/Job timed out after 1s/);
    const grandchild = Number(readFileSync(join(root, 'grandchild.pid'), 'utf8').trim());
    expect(processGone(grandchild)).toBe(true);
  });
});
