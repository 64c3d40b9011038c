/**
 * Verdict parity with upstream's own example workspaces.
 *
 * The fixtures under `fixtures/` are modelled on fremvaerk/stroem's `workspace/` (served as
 * workspace `default` in upstream's docker-compose) and `tests/e2e-workspace/` (served as `test`);
 * see `fixtures/upstream-workspace/README.md`. Upstream's `stroem validate` accepts both, so ours
 * must load them without errors and validate them as valid.
 */
import * as path from 'path';

import type { Diagnostic } from '../src/lib/diagnostics';
import { formatDiagnostic } from '../src/lib/diagnostics';
import { loadWorkspace } from '../src/lib/loader/workspace-loader';
import { validateWorkspace } from '../src/lib/validation/validate-workspace';

const FIXTURES = path.join(__dirname, 'fixtures');
const KNOWN_WORKSPACES = ['default', 'test'];

function describeAll(diagnostics: readonly Diagnostic[]): string[] {
  return diagnostics.map((d) => `${d.severity}: ${formatDiagnostic(d)}`);
}

function errorsOf(diagnostics: readonly Diagnostic[]): string[] {
  return describeAll(diagnostics.filter((d) => d.severity === 'error'));
}

function warningsOf(diagnostics: readonly Diagnostic[]): string[] {
  return describeAll(diagnostics.filter((d) => d.severity === 'warning'));
}

/**
 * Warnings a faithful v0.15.26 validator may give on these workspaces. Each one names the
 * thing upstream cannot check offline or does not know; any other warning is a regression.
 */
const TOLERATED_WARNINGS: RegExp[] = [
  // Cross-workspace references are checked against the server's other workspaces; offline
  // upstream says "validation skipped".
  /test\.remote-cat/,
  /test\.xtask-target/,
  /test\.demo/,
  // `shared` on a connection is a property of upstream 0.16+; v0.15.26 reports it as an
  // unknown connection property.
  /demo-shared.*shared|shared.*demo-shared/,
  // `continue_when_skipped` is an upstream 0.16 step key; v0.15.26 ignores unknown keys, a
  // loader may mention it.
  /continue_when_skipped/,
];

function untoleratedWarnings(diagnostics: readonly Diagnostic[]): string[] {
  return warningsOf(diagnostics).filter((w) => !TOLERATED_WARNINGS.some((re) => re.test(w)));
}

describe("upstream's example workspace (workspace/ → 'default')", () => {
  const root = path.join(FIXTURES, 'upstream-workspace');

  it('loads every file without errors', async () => {
    const ws = await loadWorkspace(root);

    expect(errorsOf(ws.diagnostics)).toEqual([]);
    expect(ws.files).toEqual([
      '.workflows/big-log.yaml',
      '.workflows/deploy.yaml',
      '.workflows/failing.yaml',
      '.workflows/hello.yaml',
      '.workflows/hooks-test.yaml',
      '.workflows/json-input.yaml',
      '.workflows/multi-select.yaml',
      '.workflows/pipeline.yaml',
      '.workflows/state-test.yaml',
      '.workflows/xref-conn.yaml',
      '.workflows/xref.yaml',
      '.workflows/xtask.yaml',
    ]);
  });

  it('has the tasks, actions and triggers upstream ships', async () => {
    const { config } = await loadWorkspace(root);

    expect(Object.keys(config.tasks).sort()).toEqual([
      'always-failing',
      'big-log',
      'data-pipeline',
      'deploy-pipeline',
      'fail-continue',
      'fail-in-chain',
      'hello-with-warning',
      'hello-world',
      'json-demo',
      'multi-select-demo',
      'python-crash-with-hook',
      'read-state',
      'xref',
      'xref-conn',
      'xtask',
    ]);
    expect(Object.keys(config.actions).sort()).toEqual([
      'always-fail',
      'call-xtask',
      'check-status',
      'deploy',
      'echo-conn',
      'echo-envs',
      'emit-config',
      'greet',
      'greet-with-warning',
      'log-hook-result',
      'notify',
      'print-many-lines',
      'python-crash',
      'read-state',
      'shout',
      'simple-greet',
      'summarize',
      'transform',
      'use-config',
    ]);
    expect(Object.keys(config.triggers)).toEqual(['hello-every-10min']);
  });

  it('keeps the shapes the acceptance scenarios rely on', async () => {
    const { config } = await loadWorkspace(root);

    expect(config.tasks['deploy-pipeline'].folder).toBe('deploy/staging');
    expect(config.tasks['data-pipeline'].folder).toBe('data');
    expect(config.tasks['fail-in-chain'].folder).toBe('testing');
    expect(config.actions['deploy'].source).toBe('actions/deploy.sh');
    expect(config.tasks['hello-world'].flow['shout-it'].depends_on).toEqual(['say-hello']);
    expect(config.tasks['fail-continue'].flow['step-after'].continue_on_failure).toBe(true);
    expect(config.tasks['xref'].flow['run'].action).toBe('test.remote-cat');
    expect(config.actions['call-xtask'].task).toBe('test.xtask-target');
    expect(config.tasks['python-crash-with-hook'].on_error.map((h) => h.action)).toEqual([
      'log-hook-result',
    ]);
    expect(config.tasks['multi-select-demo'].input['environments'].multiple).toBe(true);
  });

  it('validates as upstream does: valid, with no warnings beyond cross-workspace notes', async () => {
    const ws = await loadWorkspace(root);
    const diagnostics = validateWorkspace(ws, { knownWorkspaces: KNOWN_WORKSPACES });

    expect(errorsOf(diagnostics)).toEqual([]);
    expect(untoleratedWarnings(diagnostics)).toEqual([]);
  });
});

describe("upstream's e2e workspace (tests/e2e-workspace/ → 'test')", () => {
  const root = path.join(FIXTURES, 'upstream-e2e-workspace');

  it('loads the YAML at the root (no .workflows/) without errors', async () => {
    const ws = await loadWorkspace(root);

    expect(ws.scanDir).toBe(ws.root);
    expect(errorsOf(ws.diagnostics)).toEqual([]);
    expect(ws.files).toEqual([
      'conditional.yaml',
      'connections.yaml',
      'dependency-conditions-fanin.yaml',
      'produce-artifacts.yaml',
      'remote-cat.yaml',
      'xtask-target.yaml',
    ]);
  });

  it('has the tasks, actions and connections the default workspace refers to', async () => {
    const { config } = await loadWorkspace(root);

    expect(Object.keys(config.tasks).sort()).toEqual([
      'conditional-report',
      'fanin-demo',
      'produce-artifacts',
      'xtask-target',
    ]);
    expect(config.actions['remote-cat'].script).toBe('cat data/marker.txt');
    expect(Object.keys(config.connection_types)).toEqual(['demo']);
    expect(Object.keys(config.connections).sort()).toEqual(['demo-private', 'demo-shared']);
    expect(config.secrets['XTASK_SECRET']).toBe('only-in-test-ws');
  });

  it('validates as upstream does: valid', async () => {
    const ws = await loadWorkspace(root);
    const diagnostics = validateWorkspace(ws, { knownWorkspaces: KNOWN_WORKSPACES });

    expect(errorsOf(diagnostics)).toEqual([]);
    expect(untoleratedWarnings(diagnostics)).toEqual([]);
  });
});
