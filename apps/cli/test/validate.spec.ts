import { cpSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT, stroem, workspace } from './cli-harness';

jest.setTimeout(30_000);

const EXAMPLES = join(REPO_ROOT, 'examples/default');
const BROKEN = `actions:
  echo:
    type: script
    script: echo hi
tasks:
  broken:
    flow:
      a:
        action: echo
        depends_on: [bb]
      b:
        action: echo
        depends_on: [c]
      c:
        action: echo
        depends_on: [b]
      d:
        action: nope
      e:
        action: echo
        timeout: 5x
triggers:
  nightly:
    type: scheduler
    cron: "99 * * * *"
    task: broken
`;

describe('stroem validate', () => {
  (existsSync(EXAMPLES) ? it : it.skip)(
    'accepts examples/default with a one-line summary',
    async () => {
      const result = await stroem(['validate', 'examples/default']);
      expect(result.code).toBe(0);
      expect(result.stdout).toMatch(
        /^✓ examples\/default: \d+ tasks, \d+ actions, \d+ triggers? — valid/,
      );
    },
  );

  const validateRoots: string[] = [];
  afterAll(() => {
    for (const root of validateRoots) rmSync(root, { recursive: true, force: true });
  });

  it('reports a depends_on typo, a cycle, an unknown action, a bad cron and a bad duration', async () => {
    const root = mkdtempSync(join(tmpdir(), 'stroem-validate-'));
    validateRoots.push(root);
    if (existsSync(EXAMPLES)) cpSync(EXAMPLES, root, { recursive: true });
    writeFileSync(
      join(root, existsSync(EXAMPLES) ? '.workflows/broken.yaml' : 'broken.yaml'),
      BROKEN,
    );
    const result = await stroem(['validate', root], root);
    expect(result.code).toBe(1);
    const file = existsSync(EXAMPLES) ? '.workflows/broken.yaml' : 'broken.yaml';
    const at = (line: number, path: string) =>
      new RegExp(`${file.replace('.', '\\.')}:${line}:\\d+ ${path.replace(/[.[\]]/g, '\\$&')}: `);
    expect(result.stdout).toMatch(at(10, 'tasks.broken.flow.a.depends_on[0]'));
    expect(result.stdout).toMatch(/cycle/i);
    expect(result.stdout).toMatch(at(18, 'tasks.broken.flow.d.action'));
    expect(result.stdout).toMatch(at(21, 'tasks.broken.flow.e.timeout'));
    expect(result.stdout).toMatch(at(25, 'triggers.nightly.cron'));
    expect(result.stdout).toMatch(/✗ .*: 5 errors, \d+ warnings?/);
  });

  it('refuses malformed YAML with one clear message and exit 2', async () => {
    const root = workspace({
      '.workflows/bad.yaml': 'tasks:\n  x:\n    flow:\n      a: [unclosed\n',
    });
    const result = await stroem(['validate', root]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^stroem: cannot read the workspace: .*bad\.yaml:\d+:\d+ /);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it('refuses a missing path with exit 2', async () => {
    const result = await stroem(['validate', '/definitely/not/here']);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe("stroem: workspace path '/definitely/not/here' does not exist\n");
  });
});

describe('stroem tasks / actions / triggers / inspect', () => {
  const root = workspace({
    '.workflows/w.yaml': `actions:
  greet:
    type: script
    script: echo hi
tasks:
  build:
    description: Build it
    input:
      version: { type: string, default: "1.0" }
    flow:
      prepare: { action: greet }
      front: { action: greet, depends_on: [prepare] }
      back: { action: greet, depends_on: [prepare] }
      package: { action: greet, depends_on: [front, back] }
    on_error:
      - action: greet
on_success:
  - action: greet
triggers:
  nightly:
    type: scheduler
    cron: "0 3 * * *"
    task: build
`,
  });

  it('lists tasks, actions and triggers as tables', async () => {
    const tasks = await stroem(['tasks', '--path', root]);
    expect(tasks.code).toBe(0);
    expect(tasks.stdout).toMatch(/^TASK\s+FOLDER\s+STEPS/);
    expect(tasks.stdout).toMatch(/build\s+4\s+version\s+Build it/);
    const actions = await stroem(['--path', root, 'actions']);
    expect(actions.stdout).toMatch(/greet\s+script\s+shell: echo hi/);
    const triggers = await stroem(['triggers', '-p', root]);
    expect(triggers.stdout).toMatch(/nightly\s+scheduler\s+build\s+cron 0 3 \* \* \*\s+yes/);
  });

  it('draws the DAG of a task with parallel branches on one level', async () => {
    const result = await stroem(['inspect', 'build', '--path', root]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/version\s+string\s+no\s+"1\.0"/);
    expect(result.stdout).toMatch(/1 ── prepare/);
    expect(result.stdout).toMatch(/2 ┬─ back ← prepare\n\s+└─ front ← prepare/);
    expect(result.stdout).toMatch(/3 ── package ← front, back/);
  });

  it("shows a task's own hooks, the workspace fallbacks it inherits, and its triggers", async () => {
    const result = await stroem(['inspect', 'build', '--path', root]);
    expect(result.stdout).toMatch(/Hooks\n\s+EVENT\s+ACTION\s+FROM\n/);
    expect(result.stdout).toMatch(/on_success\s+greet\s+workspace\n/);
    expect(result.stdout).toMatch(/on_error\s+greet\s+task\n/);
    expect(result.stdout).toMatch(
      /Triggers\n\s+TRIGGER.*\n\s+nightly\s+scheduler\s+cron 0 3 \* \* \*\s+yes/,
    );
  });

  it('suggests near names for an unknown task', async () => {
    const result = await stroem(['inspect', 'biuld', '--path', root]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/unknown task 'biuld'.*Did you mean 'build'\?/);
  });

  it.each(['validate', 'tasks', 'actions', 'triggers', 'inspect', 'run'])(
    'prints help for %s',
    async (command) => {
      const result = await stroem([command, '--help']);
      expect(result.code).toBe(0);
      expect(result.stdout).toMatch(/^Usage: stroem /);
    },
  );
});
