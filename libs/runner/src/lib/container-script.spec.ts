import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { containerScriptCommand } from './container-script';
import type { RunnableAction } from './runner';
import { ScriptSetupError } from './script-command';

// The wrapper is what a container's `sh` runs; here the machine's own `sh` runs it, with a PATH
// that decides which interpreters "the image" has.
describe('containerScriptCommand', () => {
  let root: string;
  let workdir: string;
  let startupDir: string;
  let bin: string;
  // Inline code goes to /tmp/_stroem_script_<id>.<ext>, which a container discards; here the
  // test removes it.
  let scriptId: string;

  beforeEach(() => {
    scriptId = `test-${process.pid}-${Date.now()}`;
    root = mkdtempSync(join(tmpdir(), 'stroem-container-script-'));
    workdir = join(root, 'workspace');
    startupDir = join(root, 'startup.d');
    bin = join(root, 'bin');
    for (const dir of [workdir, startupDir, bin]) mkdirSync(dir);
  });
  afterEach(() => {
    rmSync(root, { recursive: true, force: true });
    rmSync(`/tmp/_stroem_script_${scriptId}`, { recursive: true, force: true });
    for (const ext of ['.py', '.js', '.ts', '.go'])
      rmSync(`/tmp/_stroem_script_${scriptId}${ext}`, { force: true });
  });

  /** Puts these programs of the machine on the test PATH, as if the image had them. */
  function imageHas(...programs: string[]): void {
    for (const name of programs) {
      // python3 may be a version-manager shim: link the interpreter itself.
      const probe =
        name === 'python3'
          ? ['python3', '-c', 'import sys; print(sys.executable)']
          : ['sh', '-c', `command -v ${name}`];
      const found = spawnSync(probe[0] ?? 'sh', probe.slice(1), { encoding: 'utf8' });
      if (found.status !== 0) throw new Error(`${name} is not installed on this machine`);
      symlinkSync(found.stdout.trim(), join(bin, name));
    }
  }

  function run(action: RunnableAction, withStartup = false) {
    const [command, ...args] = containerScriptCommand(action, {
      workdir,
      startupDir: withStartup ? startupDir : undefined,
      scriptId,
    });
    const result = spawnSync(command ?? 'sh', args, {
      encoding: 'utf8',
      env: { PATH: bin },
      cwd: root,
    });
    return { code: result.status, stdout: result.stdout, stderr: result.stderr };
  }

  beforeEach(() => imageHas('sh', 'cat', 'printf', 'dirname', 'echo'));

  it('runs inline shell as sh -c with the args as positional parameters, in the workdir', () => {
    writeFileSync(join(workdir, 'data.txt'), 'from the workspace\n');
    const result = run({ script: 'echo "$0|$1|$2"; cat data.txt', args: ['a b', "it's"] });
    expect(result).toEqual({
      code: 0,
      stdout: "sh|a b|it's\nfrom the workspace\n",
      stderr: '',
    });
  });

  it('keeps the exit code and stderr of the script', () => {
    const result = run({ script: 'echo oops >&2; exit 7' });
    expect(result).toEqual({ code: 7, stdout: '', stderr: 'oops\n' });
  });

  it('sources the startup scripts first, so their exports reach the script', () => {
    writeFileSync(join(startupDir, '10-env.sh'), 'export FROM_STARTUP=yes\n');
    writeFileSync(join(startupDir, 'notes.txt'), 'exit 9\n');
    expect(run({ script: 'echo "startup=$FROM_STARTUP"' }, true).stdout).toBe('startup=yes\n');
  });

  it('runs with an empty startup folder', () => {
    expect(run({ script: 'echo ok' }, true)).toMatchObject({ code: 0, stdout: 'ok\n' });
  });

  it('executes a shell source file of the workspace with its args', () => {
    const file = join(workdir, 'scripts/hello.sh');
    mkdirSync(join(workdir, 'scripts'));
    writeFileSync(file, '#!/bin/sh\necho "hello $1"\n', { mode: 0o755 });
    expect(run({ source: 'scripts/hello.sh', args: ['ada'] }).stdout).toBe('hello ada\n');
  });

  it('writes inline python to a .py file in /tmp and runs it with python3', () => {
    imageHas('python3');
    const result = run({
      language: 'python',
      script: 'import sys\nprint("OUTPUT:", sys.argv[1:])\nprint(__file__)',
      args: ['x', 'y z'],
    });
    expect(result.code).toBe(0);
    const [output, file] = result.stdout.trim().split('\n');
    expect(output).toBe("OUTPUT: ['x', 'y z']");
    expect(file).toBe(`/tmp/_stroem_script_${scriptId}.py`);
  });

  it('runs inline javascript with node and a python source file of the workspace', () => {
    imageHas('node', 'python3');
    const js = run({
      language: 'js',
      script: 'console.log(process.argv.slice(2).join(","))',
      args: ['1', '2'],
    });
    expect(js).toMatchObject({ code: 0, stdout: '1,2\n' });
    writeFileSync(join(workdir, 'job.py'), 'import os\nprint(os.getcwd())\n');
    expect(run({ language: 'python', source: 'job.py' }).stdout).toBe(`${workdir}\n`);
  });

  it('runs inline go from a main.go of its own folder (go run skips files named _*)', () => {
    imageHas('go');
    const goCache = join(root, 'gocache');
    const [command, ...args] = containerScriptCommand(
      {
        language: 'go',
        script:
          'package main\n\nimport (\n\t"fmt"\n\t"os"\n)\n\nfunc main() { fmt.Println("go:", os.Args[1]) }\n',
        args: ['ada'],
      },
      { workdir, scriptId },
    );
    const result = spawnSync(command ?? 'sh', args, {
      encoding: 'utf8',
      env: { PATH: `${bin}:/usr/bin:/bin`, GOCACHE: goCache, GOPATH: join(root, 'gopath') },
    });
    expect(result.stderr).toBe('');
    expect(result.stdout).toBe('go: ada\n');
  });

  it('says which interpreters it looked for when the image has none', () => {
    const result = run({ language: 'python', script: 'print(1)' });
    expect(result.code).toBe(127);
    expect(result.stderr).toBe(
      'stroem: no Python interpreter in the image (tried uv, python3, python)\n',
    );
    expect(run({ language: 'typescript', script: 'let a = 1' }).stderr).toBe(
      'stroem: no TypeScript runtime in the image (tried bun, deno, tsx)\n',
    );
  });

  it('uses the interpreter the action names, or says it is missing', () => {
    imageHas('python3');
    expect(
      run({ language: 'python', interpreter: 'python3', script: 'print("via python3")' }).stdout,
    ).toBe('via python3\n');
    const missing = run({ language: 'python', interpreter: 'pypy3', script: 'print(1)' });
    expect(missing).toMatchObject({
      code: 127,
      stderr: "stroem: interpreter 'pypy3' not found in the image\n",
    });
  });

  it('installs dependencies before running, and fails the step when that fails', () => {
    // The image's real npm, asked for a package that cannot exist.
    imageHas('node', 'npm');
    const result = run({
      language: 'javascript',
      script: 'console.log(1)',
      dependencies: [`file:${join(root, 'no-such-package')}`],
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/npm (error|ERR)/);
    expect(result.stderr).toContain('stroem: dependency install failed');
    expect(result.stdout).toBe('');
  });

  it('refuses an unsupported language', () => {
    expect(() => containerScriptCommand({ language: 'cobol', script: 'x' }, { workdir })).toThrow(
      ScriptSetupError,
    );
  });
});
