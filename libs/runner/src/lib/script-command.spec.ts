/**
 * How actions become command lines, for the toolchains this machine lacks (bun, deno, uv): the
 * PATH holds stand-in files of those names, which are found but never run.
 */
import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nodeVersionOf } from './executable-lookup';
import { buildScriptCommand, ScriptSetupError } from './script-command';

describe('buildScriptCommand', () => {
  let scratch: string;
  let workspace: string;
  let bin: string;

  beforeEach(() => {
    scratch = mkdtempSync(join(tmpdir(), 'stroem-script-command-'));
    workspace = join(scratch, 'ws');
    bin = join(scratch, 'bin');
    mkdirSync(workspace);
    mkdirSync(bin);
  });
  afterEach(() => rmSync(scratch, { recursive: true, force: true }));

  function tool(name: string, body = 'exit 0'): string {
    const path = join(bin, name);
    writeFileSync(path, `#!/bin/sh\n${body}\n`);
    chmodSync(path, 0o755);
    return path;
  }

  const env = () => ({ PATH: bin, HOME: scratch, TMPDIR: scratch });

  it('runs javascript with bun first, installing dependencies with bun install --no-save', () => {
    const bun = tool('bun');
    tool('node');
    tool('npm');
    const command = buildScriptCommand(
      { language: 'javascript', script: 'x', dependencies: ['lodash'], args: ['a'] },
      workspace,
      env(),
    );
    expect(command.command).toBe(bun);
    expect(command.args).toEqual(['run', command.scriptFile?.path, 'a']);
    expect(command.prepare).toEqual([{ command: bun, args: ['install', '--no-save', 'lodash'] }]);
    expect(command.cleanup).toEqual([command.scriptFile?.path]);
  });

  it('runs typescript with deno (all permissions) before tsx and node, leaving imports to deno', () => {
    const deno = tool('deno');
    writeFileSync(join(workspace, 'main.ts'), 'export {};\n');
    tool('tsx');
    tool('node');
    const command = buildScriptCommand(
      { language: 'ts', source: 'main.ts', dependencies: ['zod'] },
      workspace,
      env(),
    );
    expect(command).toMatchObject({
      command: deno,
      args: ['run', '--allow-all', join(workspace, 'main.ts')],
      prepare: [],
    });
  });

  it("takes the install style from the 'interpreter' file name: uv → --with", () => {
    const uv = tool('uv');
    const command = buildScriptCommand(
      { language: 'python', interpreter: uv, script: 'x', dependencies: ['rich'] },
      workspace,
      env(),
    );
    expect(command.command).toBe(uv);
    expect(command.args).toEqual(['run', '--with', 'rich', command.scriptFile?.path]);
    expect(command.prepare).toEqual([]);
  });

  it('refuses a source outside the workspace', () => {
    expect(() =>
      buildScriptCommand({ language: 'python', source: '../secrets.py' }, workspace, env()),
    ).toThrow(new ScriptSetupError("script source '../secrets.py' is outside the workspace"));
  });

  it('refuses an action with neither script nor source', () => {
    expect(() => buildScriptCommand({ language: 'python' }, workspace, env())).toThrow(
      'the action has neither `script` nor `source`',
    );
  });
});

describe('nodeVersionOf', () => {
  it('asks the binary once, and again after it changed', () => {
    const dir = mkdtempSync(join(tmpdir(), 'stroem-node-version-'));
    try {
      const node = join(dir, 'node');
      const count = join(dir, 'calls');
      const write = (version: string) => {
        writeFileSync(node, `#!/bin/sh\necho x >> ${count}\necho ${version}\n`);
        chmodSync(node, 0o755);
      };
      write('v22.6.0');
      utimesSync(node, 1_000, 1_000);
      expect(nodeVersionOf(node)).toEqual({ text: 'v22.6.0', major: 22, minor: 6 });
      expect(nodeVersionOf(node)?.text).toBe('v22.6.0');
      write('v23.1.0');
      utimesSync(node, 2_000, 2_000);
      expect(nodeVersionOf(node)).toEqual({ text: 'v23.1.0', major: 23, minor: 1 });
      expect(readFileSync(count, 'utf8')).toBe('x\nx\n');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
