import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { collect, processGone, startCli, stroem, workspace } from './cli-harness';

jest.setTimeout(30_000);

/** The JSON printed after `Output:` in the summary. */
function jobOutput(stdout: string): unknown {
  const match = /\nOutput: ([\s\S]*?)\n\nJob /.exec(stdout);
  if (!match) throw new Error(`no job output in:\n${stdout}`);
  return JSON.parse(match[1]);
}

const TIMED_STEP = (name: string) => `
      ${name}:
        type: script
        script: |
          start=$(date +%s%N); sleep 1; end=$(date +%s%N)
          echo "OUTPUT: {\\"start\\": $start, \\"end\\": $end}"`;

describe('stroem run', () => {
  it('passes step 1 OUTPUT into step 2 of hello-world', async () => {
    const result = await stroem([
      'run',
      'hello-world',
      '--path',
      'examples/default',
      '--input',
      '{"name":"Ada"}',
    ]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/say-hello\s+\| Hello Ada/);
    expect(result.stdout).toMatch(/shout\s+\| HELLO ADA/);
    expect(result.stdout).toMatch(/Job completed/);
  });

  it('fails fail-in-chain and shows the dependent step skipped', async () => {
    const result = await stroem(['run', 'fail-in-chain', '--path', 'examples/default']);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/step-fail\s+! Error details/);
    expect(result.stdout).toMatch(/\nstep-after\s+skipped/);
    expect(result.stdout).toMatch(/Job failed/);
  });

  it('runs the dependent of fail-continue but still fails the job', async () => {
    const result = await stroem(['run', 'fail-continue', '--path', 'examples/default']);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/\nstep-after\s+completed/);
  });

  it('reports the python traceback of python-crash-with-hook', async () => {
    const result = await stroem(['run', 'python-crash-with-hook', '--path', 'examples/default']);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/KeyError: 'missing_key'/);
  });

  it('returns the terminal step output of data-pipeline as the job output', async () => {
    const result = await stroem([
      'run',
      'data-pipeline',
      '--path',
      'examples/default',
      '--input',
      '{"data":"x"}',
    ]);
    expect(result.code).toBe(0);
    expect(jobOutput(result.stdout)).toEqual({ summarize: { summary: 'processed-x done' } });
  });

  it('runs independent branches at the same time', async () => {
    const root = workspace({
      'w.yaml': `tasks:\n  par:\n    flow:${TIMED_STEP('left')}${TIMED_STEP('right')}\n`,
    });
    const result = await stroem(['run', 'par', '--path', root]);
    expect(result.code).toBe(0);
    const out = jobOutput(result.stdout) as Record<string, { start: number; end: number }>;
    expect(out.left.start).toBeLessThan(out.right.end);
    expect(out.right.start).toBeLessThan(out.left.end);
  });

  it('bounds parallelism with --concurrency', async () => {
    const root = workspace({
      'w.yaml': `tasks:\n  par:\n    flow:${TIMED_STEP('left')}${TIMED_STEP('right')}\n`,
    });
    const result = await stroem(['run', 'par', '--path', root, '--concurrency', '1']);
    const out = jobOutput(result.stdout) as Record<string, { start: number; end: number }>;
    const [first, second] = [out.left, out.right].sort((a, b) => a.start - b.start);
    expect(first.end).toBeLessThanOrEqual(second.start);
  });

  it('supports when, for_each, action defaults and job input leaking into action inputs', async () => {
    const root = workspace({
      '.workflows/w.yaml': `actions:
  item:
    type: script
    input:
      prefix: { type: string, default: "item" }
      region: { type: string }
    script: |
      echo "OUTPUT: {\\"v\\": \\"{{ input.prefix }}-{{ input.region }}-{{ each.item }}-{{ each.index }}/{{ each.total }}\\"}"
tasks:
  loop:
    input:
      items: { type: string, default: '["a","b"]' }
      region: { type: string, default: "eu" }
    flow:
      list:
        type: script
        script: |
          echo 'OUTPUT: {"items": ["x", "y", "z"]}'
      each:
        action: item
        depends_on: [list]
        for_each: "{{ list.output.items | json_encode() }}"
        sequential: true
      never:
        type: script
        depends_on: [list]
        when: "{{ input.region == 'us' }}"
        script: echo should not run
      collect:
        type: script
        depends_on: [each, never]
        script: |
          echo 'OUTPUT: {{ each.output | json_encode() }}'
`,
    });
    const result = await stroem(['run', 'loop', '--path', root]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/\nnever\s+skipped/);
    expect(jobOutput(result.stdout)).toEqual({
      collect: [{ v: 'item-eu-x-0/3' }, { v: 'item-eu-y-1/3' }, { v: 'item-eu-z-2/3' }],
    });
  });

  it('fails a loop naming the failed instances', async () => {
    const root = workspace({
      'w.yaml': `tasks:
  loop:
    flow:
      each:
        type: script
        for_each: [1, 2, 3]
        script: test "{{ each.item }}" != 2
`,
    });
    const result = await stroem(['run', 'loop', '--path', root]);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/for_each loop failed: instances \[1\] failed/);
  });

  it('fails a loop over 100 000 items fast, before running any instance', async () => {
    const root = workspace({
      'w.yaml': `tasks:
  explode:
    flow:
      each:
        type: script
        for_each: "{{ range(end=100000) | json_encode() }}"
        script: echo never
`,
    });
    const started = Date.now();
    const result = await stroem(['run', 'explode', '--path', root]);
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/for_each produced 100000 items; at most 10000 are allowed/);
    expect(result.stdout).not.toMatch(/never/);
  });

  it('fails a step whose when throws, with the message, and skips its dependents', async () => {
    const root = workspace({
      'w.yaml': `tasks:
  guarded:
    flow:
      check:
        type: script
        when: "{{ throw(message='boom') }}"
        script: echo never
      after:
        type: script
        depends_on: [check]
        script: echo never
`,
    });
    const result = await stroem(['run', 'guarded', '--path', root]);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/when condition error: .*boom/);
    expect(result.stdout).toMatch(/\nafter\s+skipped/);
    expect(result.stdout).not.toMatch(/never/);
  });

  it('gives loop instances the step timeout', async () => {
    const root = workspace({
      'w.yaml': `tasks:
  slow:
    flow:
      each:
        type: script
        for_each: [1]
        timeout: 1s
        script: sleep 5
`,
    });
    const result = await stroem(['run', 'slow', '--path', root]);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/Step timed out after 1s/);
  });

  it('stops a task that runs itself at the nesting limit', async () => {
    const root = workspace({
      'w.yaml': `actions:
  again: { type: task, task: forever }
tasks:
  forever:
    flow:
      recurse: { action: again }
`,
    });
    const result = await stroem(['run', 'forever', '--path', root]);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/Maximum task nesting depth \(10\) exceeded/);
  });

  it('fails a step whose action cannot run locally with a clear message', async () => {
    const root = workspace({
      'w.yaml': `tasks:
  ship:
    flow:
      build:
        type: docker
        image: alpine:3
        cmd: echo hi
`,
    });
    const result = await stroem(['run', 'ship', '--path', root]);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/step 'build' cannot run locally: .*type: docker/);
  });

  it('runs a type: task step as a local sub-run and uses its output', async () => {
    const root = workspace({
      'w.yaml': `actions:
  child:
    type: task
    task: inner
tasks:
  inner:
    input:
      who: { type: string }
    flow:
      hi:
        type: script
        input:
          who: "{{ input.who }}"
        script: |
          echo 'OUTPUT: {"hi": "{{ input.who }}"}'
  outer:
    flow:
      call:
        action: child
        input:
          who: Bo
      after:
        type: script
        depends_on: [call]
        script: |
          echo 'OUTPUT: "{{ call.output.hi.hi }}"'
`,
    });
    const result = await stroem(['run', 'outer', '--path', root]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/call\/hi\s+\| OUTPUT/);
    expect(jobOutput(result.stdout)).toEqual({ after: 'Bo' });
  });

  it('rejects invalid --input JSON with its position and exit 2', async () => {
    const root = workspace({ 'w.yaml': 'tasks:\n  t:\n    flow: {}\n' });
    const result = await stroem(['run', 't', '--path', root, '--input', '{"name": Ada}']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^stroem: invalid JSON in --input: .* at line 1, column 10\n/);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it('reads the job input from --input-file, and names a missing file', async () => {
    const root = workspace({
      'w.yaml':
        'tasks:\n  t:\n    flow:\n      s:\n        type: script\n        input: { who: "{{ input.who }}" }\n        script: echo "hi {{ input.who }}"\n',
      'input.json': '{"who": "Grace"}',
    });
    const ok = await stroem(['run', 't', '--path', root, '--input-file', join(root, 'input.json')]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/\ns\s+\| hi Grace\n/);
    const missing = await stroem([
      'run',
      't',
      '--path',
      root,
      '--input-file',
      join(root, 'nope.json'),
    ]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(
      /^stroem: cannot read --input-file '.*nope\.json': no such file\n$/,
    );
  });

  it('refuses a missing workspace path and malformed YAML with exit 2', async () => {
    expect((await stroem(['run', 't', '--path', '/no/such/dir'])).code).toBe(2);
    const root = workspace({ 'w.yaml': 'tasks: {t: [\n' });
    const result = await stroem(['run', 't', '--path', root]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(
      /^stroem: cannot read the workspace: \/.*w\.yaml:\d+:\d+ invalid YAML[^\n]*\n$/,
    );
  });

  it('cancels on Ctrl-C: kills the process group, exits 130 and prints the summary', async () => {
    const root = workspace({
      'w.yaml': `tasks:
  slow:
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
    const child = startCli(['run', 'slow', '--path', root]);
    const done = collect(child);
    const pidFile = join(root, 'grandchild.pid');
    let grandchild = 0;
    for (let i = 0; i < 200 && !grandchild; i++) {
      await new Promise((r) => setTimeout(r, 50));
      if (existsSync(pidFile)) grandchild = Number(readFileSync(pidFile, 'utf8').trim()) || 0;
    }
    expect(grandchild).toBeGreaterThan(0);
    expect(processGone(grandchild)).toBe(false);
    child.kill('SIGINT');
    const result = await done;
    expect(result.code).toBe(130);
    expect(result.stdout).toMatch(/\nwait\s+cancelled/);
    expect(result.stdout).toMatch(/\nafter\s+cancelled/);
    expect(result.stdout).toMatch(/Job cancelled/);
    expect(processGone(grandchild)).toBe(true);
  });

  it('stops quietly and cancels its steps when the reader of its output goes away', async () => {
    const root = workspace({
      'w.yaml': `tasks:
  chatty:
    flow:
      talk:
        type: script
        script: |
          sh -c 'echo $$ > grandchild.pid; exec sleep 60' &
          while true; do echo "line"; sleep 0.05; done
`,
    });
    const child = startCli(['run', 'chatty', '--path', root]);
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    const closed = new Promise<number | null>((done) => child.on('close', done));
    await new Promise<void>((ready) => child.stdout?.once('data', () => ready()));
    const pidFile = join(root, 'grandchild.pid');
    for (let i = 0; i < 100 && !existsSync(pidFile); i++)
      await new Promise((r) => setTimeout(r, 50));
    const grandchild = Number(readFileSync(pidFile, 'utf8').trim());
    child.stdout?.destroy();

    await closed;
    expect(stderr).not.toMatch(/EPIPE|internal error|at .*\.ts:\d+/);
    expect(processGone(grandchild)).toBe(true);
  });

  it('retries a failed step as its retry policy allows, then fails once retries run out', async () => {
    const root = workspace({
      'w.yaml': `tasks:
  flaky:
    flow:
      try:
        type: script
        script: |
          n=$(cat runs 2>/dev/null || echo 0); n=$((n+1)); echo $n > runs
          [ "$n" -ge "{{ input.succeed_on }}" ]
        input: { succeed_on: "{{ input.succeed_on }}" }
        retry: { max_attempts: 2, delay: 1s }
`,
    });
    const recovered = await stroem(['run', 'flaky', '-p', root, '-i', '{"succeed_on": 3}']);
    expect(recovered.code).toBe(0);
    expect(recovered.stdout).toMatch(/try\s+↻ attempt 1\/3 failed, retrying in 1s: Exit code: 1/);
    expect(recovered.stdout).toMatch(/try\s+↻ attempt 2\/3 failed/);
    expect(readFileSync(join(root, 'runs'), 'utf8').trim()).toBe('3');

    const exhausted = await stroem(['run', 'flaky', '-p', root, '-i', '{"succeed_on": 99}']);
    expect(exhausted.code).toBe(1);
    expect(readFileSync(join(root, 'runs'), 'utf8').trim()).toBe('6');
    expect(exhausted.stdout).toMatch(/\ntry\s+failed/);
  });
});
