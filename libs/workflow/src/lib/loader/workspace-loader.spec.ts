import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import * as path from 'path';

import { formatDiagnostic } from '../diagnostics';
import { loadWorkspace, WorkspaceNotFoundError } from './workspace-loader';

describe('loadWorkspace', () => {
  let root: string;

  beforeEach(() => {
    root = mkdtempSync(path.join(tmpdir(), 'stroem-loader-'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  function write(rel: string, text: string): void {
    const file = path.join(root, rel);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, text);
  }

  it('reads every YAML file under .workflows recursively, in path order, later files winning', async () => {
    write('.workflows/a.yaml', 'actions:\n  greet:\n    type: script\n    script: echo a\n');
    write('.workflows/b.yml', 'actions:\n  greet:\n    type: script\n    script: echo b\n');
    write('.workflows/nested/c.yaml', 'actions:\n  other:\n    type: script\n    script: echo c\n');
    write('.workflows/notes.txt', 'not yaml');
    write('top-level.yaml', 'actions:\n  ignored:\n    type: script\n    script: echo x\n');

    const ws = await loadWorkspace(root);

    expect(ws.files).toEqual(['.workflows/a.yaml', '.workflows/b.yml', '.workflows/nested/c.yaml']);
    expect(ws.config.actions['greet'].script).toBe('echo b');
    expect(Object.keys(ws.config.actions).sort()).toEqual(['greet', 'other']);
    expect(ws.diagnostics).toEqual([]);
  });

  it('scans the workspace root when there is no .workflows directory', async () => {
    write('produce.yaml', 'tasks:\n  produce:\n    flow: {}\n');
    const ws = await loadWorkspace(root);
    expect(ws.scanDir).toBe(ws.root);
    expect(Object.keys(ws.config.tasks)).toEqual(['produce']);
  });

  it('sorts paths component by component like upstream', async () => {
    write('.workflows/a-b/x.yaml', 'secrets:\n  WHO: dash\n');
    write('.workflows/a/x.yaml', 'secrets:\n  WHO: plain\n');
    const ws = await loadWorkspace(root);
    expect(ws.files).toEqual(['.workflows/a/x.yaml', '.workflows/a-b/x.yaml']);
    expect(ws.config.secrets['WHO']).toBe('dash');
  });

  it('concatenates workspace hooks across files', async () => {
    write('.workflows/1.yaml', 'on_error:\n  - action: notify\n    input: {who: one}\n');
    write('.workflows/2.yaml', 'on_error:\n  - action: notify\n    input: {who: two}\n');
    const ws = await loadWorkspace(root);
    expect(ws.config.on_error.map((h) => h.input['who'])).toEqual(['one', 'two']);
    expect(ws.locate(['on_error', 1, 'action'])).toEqual({
      file: '.workflows/2.yaml',
      line: 2,
      column: 13,
    });
  });

  it('gives tasks without a folder the sub-directory of their file', async () => {
    write(
      '.workflows/deploy/staging/d.yaml',
      'tasks:\n  inferred:\n    flow: {}\n  explicit:\n    folder: ops\n    flow: {}\n',
    );
    const ws = await loadWorkspace(root);
    expect(ws.config.tasks['inferred'].folder).toBe('deploy/staging');
    expect(ws.config.tasks['explicit'].folder).toBe('ops');
  });

  it('hoists inline steps to _inline:{task}:{step} and splits schema from values in their input', async () => {
    write(
      '.workflows/t.yaml',
      [
        'tasks:',
        '  report:',
        '    flow:',
        '      query:',
        '        type: script',
        '        script: echo {{ input.db }}',
        '        timeout: 1m',
        '        input:',
        '          db: { type: postgres, default: prod }',
        '          limit: 10',
        '          meta: { note: plain value }',
        '',
      ].join('\n'),
    );
    const ws = await loadWorkspace(root);
    const step = ws.config.tasks['report'].flow['query'];
    expect(step.action).toBe('_inline:report:query');
    expect(step.inline).toBe(true);
    expect(step.timeout).toBe(60);
    expect(step.input).toEqual({ limit: 10, meta: { note: 'plain value' } });
    const action = ws.config.actions['_inline:report:query'];
    expect(action.type).toBe('script');
    expect(action.script).toBe('echo {{ input.db }}');
    expect(action.input).toEqual({ db: { type: 'postgres', default: 'prod' } });
    expect(ws.locate(['actions', '_inline:report:query', 'script'])).toEqual({
      file: '.workflows/t.yaml',
      line: 6,
      column: 17,
    });
  });

  it('normalises the bool alias in input schemas but not in connection types', async () => {
    write(
      '.workflows/t.yaml',
      'connection_types:\n  flag:\n    on: { type: bool }\ntasks:\n  t:\n    input:\n      dry_run: { type: bool, default: false }\n    flow: {}\n',
    );
    const ws = await loadWorkspace(root);
    expect(ws.config.tasks['t'].input['dry_run']).toEqual({ type: 'boolean', default: false });
    expect(ws.config.connection_types['flag']['on'].type).toBe('bool');
  });

  it('parses durations to seconds and reports a bad one where it was written', async () => {
    write(
      '.workflows/t.yaml',
      'tasks:\n  t:\n    timeout: 2h15m30s\n    flow:\n      a:\n        action: x\n        timeout: 7d\n        retry: { max_attempts: 2, delay: "90" }\n',
    );
    const ws = await loadWorkspace(root);
    expect(ws.config.tasks['t'].timeout).toBe(8130);
    expect(ws.config.tasks['t'].flow['a'].retry).toEqual({
      max_attempts: 2,
      delay: 90,
      backoff: 'fixed',
      jitter: false,
    });
    expect(ws.diagnostics.map((d) => formatDiagnostic(d))).toEqual([
      `.workflows/t.yaml:7:18 tasks.t.flow.a.timeout: invalid duration "7d": unknown duration unit 'd' in '7d' (expected h, m, or s)`,
    ]);
  });

  it('skips a file with a YAML syntax error, naming its line, and still loads the others', async () => {
    write('.workflows/good.yaml', 'tasks:\n  ok:\n    flow: {}\n');
    write('.workflows/bad.yaml', 'tasks:\n  broken:\n    flow: [unclosed\n');
    const ws = await loadWorkspace(root);
    expect(Object.keys(ws.config.tasks)).toEqual(['ok']);
    expect(ws.files).toEqual(['.workflows/good.yaml']);
    expect(ws.diagnostics).toHaveLength(1);
    expect(ws.diagnostics[0]).toMatchObject({ code: 'yaml-syntax', severity: 'warning' });
    expect(ws.diagnostics[0].location?.file).toBe('.workflows/bad.yaml');
    expect(ws.diagnostics[0].location?.line).toBeGreaterThanOrEqual(3);
  });

  it('reports a field of the wrong shape at its path and keeps the rest of the file', async () => {
    write(
      '.workflows/t.yaml',
      'tasks:\n  t:\n    flow:\n      a:\n        action: x\n        depends_on: b\n      b:\n        action: x\n',
    );
    const ws = await loadWorkspace(root);
    expect(Object.keys(ws.config.tasks['t'].flow)).toEqual(['a', 'b']);
    expect(ws.diagnostics.map((d) => formatDiagnostic(d))).toEqual([
      '.workflows/t.yaml:6:21 tasks.t.flow.a.depends_on: expected a list of strings, found the string "b"',
    ]);
  });

  it('rejects a step with both action and type, and one with neither', async () => {
    write(
      '.workflows/t.yaml',
      'tasks:\n  t:\n    flow:\n      both:\n        action: x\n        type: script\n      neither:\n        input: {}\n',
    );
    const ws = await loadWorkspace(root);
    expect(ws.diagnostics.map((d) => d.message)).toEqual([
      'a flow step has either `action:` (a named action) or `type:` (an inline action), not both',
      "flow step 'neither' needs either `action:` (a named action) or `type:` (an inline action)",
    ]);
  });

  it('applies upstream defaults to triggers', async () => {
    write(
      '.workflows/t.yaml',
      'triggers:\n  nightly:\n    type: scheduler\n    cron: "0 2 * * *"\n    task: t\n  hook:\n    type: webhook\n    name: gh\n    task: t\n',
    );
    const ws = await loadWorkspace(root);
    expect(ws.config.triggers['nightly']).toEqual({
      type: 'scheduler',
      cron: '0 2 * * *',
      task: 't',
      input: {},
      enabled: true,
      concurrency: 'allow',
      force_refresh: false,
    });
    expect(ws.config.triggers['hook']).toMatchObject({
      mode: 'async',
      timeout_secs: 30,
      enabled: true,
    });
  });

  it('renders secrets at load and fills connection-type defaults into connections', async () => {
    process.env['STROEM_LOADER_TEST_TOKEN'] = 's3cr3t';
    write(
      '.workflows/t.yaml',
      [
        'secrets:',
        '  TOKEN: "{{ get_env(name=\'STROEM_LOADER_TEST_TOKEN\') }}"',
        'connection_types:',
        '  postgres:',
        '    host: { type: string, required: true }',
        '    port: { type: integer, default: 5432 }',
        'connections:',
        '  prod:',
        '    type: postgres',
        '    host: db.internal',
        '    password: "{{ secret.TOKEN }}"',
        '',
      ].join('\n'),
    );
    const ws = await loadWorkspace(root);
    expect(ws.diagnostics).toEqual([]);
    expect(ws.config.secrets['TOKEN']).toBe('s3cr3t');
    expect(ws.config.connections['prod']).toEqual({
      type: 'postgres',
      values: { host: 'db.internal', password: 's3cr3t', port: 5432 },
    });
  });

  it('locates a missing field at its nearest ancestor', async () => {
    write('.workflows/t.yaml', 'actions:\n  a:\n    type: docker\n');
    const ws = await loadWorkspace(root);
    expect(ws.locate(['actions', 'a', 'image'])).toEqual({
      file: '.workflows/t.yaml',
      line: 2,
      column: 3,
    });
    expect(ws.locate(['actions', 'nope'])).toBeUndefined();
  });

  it('throws a clear error for a missing workspace path', async () => {
    await expect(loadWorkspace(path.join(root, 'missing'))).rejects.toThrow(WorkspaceNotFoundError);
    await expect(loadWorkspace(path.join(root, 'missing'))).rejects.toThrow(/does not exist/);
  });
});
