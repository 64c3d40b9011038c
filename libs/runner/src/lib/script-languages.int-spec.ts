/**
 * `type: script` in python, javascript, typescript and go on the local runner, with the real
 * toolchains of this machine. Each test builds its own PATH (a folder of symlinks to the real
 * programs), so "not installed" is real too and a bun or uv installed later changes nothing.
 */
import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { findExecutable } from './executable-lookup';
import type { RunnableAction, RunResult } from './runner';
import { ShellRunner } from './shell-runner';

const step = { jobId: 'job-1', taskName: 'langs', stepName: 'run', workspace: 'default' };
const repoRoot = resolve(__dirname, '../../../..');
const TEMP_SCRIPT = /^_stroem_script_[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/;

/** The real program behind `name` on this machine; fails the test with what to install. */
function realTool(name: string, install: string): string {
  const found = findExecutable(name, process.env['PATH']);
  if (!found) throw new Error(`'${name}' is not installed on this machine: ${install}`);
  return found;
}

/** The python3 binary itself (not a pyenv shim, which needs bash and pyenv on PATH). */
function realPython(): string {
  const python = realTool('python3', 'install Python 3');
  return execFileSync(python, ['-c', 'import sys; print(sys.executable)'], {
    encoding: 'utf8',
  }).trim();
}

const py = (...lines: string[]) => lines.join('\n') + '\n';

describe('script languages on the local runner', () => {
  let scratch: string;
  let workspace: string;
  let home: string;
  let tmp: string;
  let bin: string;

  beforeEach(() => {
    scratch = mkdtempSync(join(tmpdir(), 'stroem-langs-'));
    [workspace, home, tmp, bin] = ['ws', 'home', 'tmp', 'bin'].map((name) => {
      mkdirSync(join(scratch, name));
      return join(scratch, name);
    });
  });
  afterEach(() => rmSync(scratch, { recursive: true, force: true }));

  /** Puts the real programs on the step's PATH under the given names. */
  function link(tools: Record<string, string>): void {
    for (const [name, target] of Object.entries(tools)) symlinkSync(target, join(bin, name));
  }

  /** A stand-in program on the step's PATH: a shell script. */
  function fake(name: string, body: string): void {
    writeFileSync(join(bin, name), `#!/bin/sh\n${body}\n`);
    chmodSync(join(bin, name), 0o755);
  }

  function run(action: RunnableAction, baseEnv?: NodeJS.ProcessEnv): Promise<RunResult> {
    const runner = new ShellRunner({ baseEnv: baseEnv ?? { PATH: bin, HOME: home, TMPDIR: tmp } });
    return runner.run({ action, workspaceDir: workspace, step });
  }

  describe('python', () => {
    it('runs inline code from a .py file in the workspace with args and env, then removes it', async () => {
      link({ python3: realPython() });
      const result = await run({
        language: 'python',
        script: py(
          'import json, os, sys',
          'print("OUTPUT: " + json.dumps({"args": sys.argv[1:], "file": __file__,',
          '  "cwd": os.getcwd(), "greeting": os.environ["GREETING"], "job": os.environ["STROEM_JOB_ID"]}))',
        ),
        args: ['one', 'two words'],
        env: { GREETING: 'hej' },
      });
      expect(result.error).toBeUndefined();
      const output = result.output as Record<string, string>;
      expect(output).toMatchObject({
        args: ['one', 'two words'],
        cwd: workspace,
        greeting: 'hej',
        job: 'job-1',
      });
      expect(dirname(output['file'])).toBe(workspace);
      expect(basename(output['file'])).toMatch(new RegExp(`${TEMP_SCRIPT.source}\\.py$`));
      expect(readdirSync(workspace)).toEqual([]);
    });

    it('removes the temporary file when the script fails too', async () => {
      link({ python3: realPython() });
      const result = await run({ language: 'python', script: 'import sys\nsys.exit(3)\n' });
      expect(result).toMatchObject({ exitCode: 3, error: 'Exit code: 3\nStderr: ' });
      expect(readdirSync(workspace)).toEqual([]);
    });

    it('runs a source file relative to the workspace with the interpreter, with args', async () => {
      link({ python3: realPython() });
      mkdirSync(join(workspace, 'scripts'));
      writeFileSync(
        join(workspace, 'scripts', 'report.py'),
        py(
          'import json, sys',
          'print("OUTPUT: " + json.dumps({"file": __file__, "args": sys.argv[1:]}))',
        ),
      );
      const result = await run({ language: 'python', source: 'scripts/report.py', args: ['eu'] });
      expect(result).toMatchObject({
        exitCode: 0,
        output: { file: join(workspace, 'scripts', 'report.py'), args: ['eu'] },
      });
      expect(readdirSync(workspace)).toEqual(['scripts']);
    });

    it('prefers uv, passing dependencies as --with, before python3 (a stand-in uv that echoes its arguments)', async () => {
      link({ python3: realPython() });
      fake('uv', 'echo "uv $*" >&2; exit 9');
      const result = await run({
        language: 'python',
        script: 'print("never")\n',
        dependencies: ['requests', 'click==8.1.7'],
        args: ['a'],
      });
      expect(result.exitCode).toBe(9);
      expect(result.stderr).toMatch(
        new RegExp(
          `^uv run --with requests --with click==8\\.1\\.7 ${workspace}/_stroem_script_\\S+\\.py a\\n$`,
        ),
      );
    });

    it("uses 'interpreter: python3' over uv (a stand-in uv that must not run)", async () => {
      link({ python3: realPython() });
      fake('uv', 'echo "uv must not run" >&2; exit 9');
      const result = await run({
        language: 'python',
        interpreter: 'python3',
        script: 'import json, sys\nprint("OUTPUT: " + json.dumps(sys.executable))\n',
      });
      expect(result).toMatchObject({ exitCode: 0, output: join(bin, 'python3') });
    });

    it("takes an 'interpreter' path relative to the workspace, like a virtualenv's python", async () => {
      mkdirSync(join(workspace, 'venv', 'bin'), { recursive: true });
      symlinkSync(realPython(), join(workspace, 'venv', 'bin', 'python'));
      const result = await run({
        language: 'python',
        interpreter: 'venv/bin/python',
        script: 'import json, sys\nprint("OUTPUT: " + json.dumps(sys.executable))\n',
      });
      expect(result).toMatchObject({
        exitCode: 0,
        output: join(workspace, 'venv', 'bin', 'python'),
      });
    });

    describe('dependencies with pip (no uv)', () => {
      let wheels: string;
      let wheel: string;

      beforeAll(() => {
        wheels = mkdtempSync(join(tmpdir(), 'stroem-wheels-'));
        wheel = join(wheels, 'tiny_stroem-1.0-py3-none-any.whl');
        const info = 'tiny_stroem-1.0.dist-info';
        execFileSync(realPython(), [
          '-c',
          py(
            'import sys, zipfile',
            'with zipfile.ZipFile(sys.argv[1], "w") as z:',
            '    z.writestr("tiny_stroem/__init__.py", "GREETING = \'hej from a wheel\'\\n")',
            `    z.writestr("${info}/METADATA", "Metadata-Version: 2.1\\nName: tiny-stroem\\nVersion: 1.0\\n")`,
            `    z.writestr("${info}/WHEEL", "Wheel-Version: 1.0\\nGenerator: stroem-test\\nRoot-Is-Purelib: true\\nTag: py3-none-any\\n")`,
            `    z.writestr("${info}/RECORD", "tiny_stroem/__init__.py,,\\n${info}/METADATA,,\\n${info}/WHEEL,,\\n${info}/RECORD,,\\n")`,
          ),
          wheel,
        ]);
      });
      afterAll(() => rmSync(wheels, { recursive: true, force: true }));

      it('installs them into a per-step folder on PYTHONPATH, removed afterwards', async () => {
        link({ python3: realPython() });
        const result = await run({
          language: 'python',
          dependencies: [wheel],
          // no index, no machine-wide pip.conf: the install can only use the wheel given
          env: { PIP_CONFIG_FILE: '/dev/null', PIP_NO_INDEX: '1', PYTHONPATH: '/opt/kept' },
          script: py(
            'import json, os, tiny_stroem',
            'print("OUTPUT: " + json.dumps({"greeting": tiny_stroem.GREETING,',
            '  "from": tiny_stroem.__file__, "pythonpath": os.environ["PYTHONPATH"]}))',
          ),
        });
        expect(result.error).toBeUndefined();
        const output = result.output as Record<string, string>;
        expect(output['greeting']).toBe('hej from a wheel');
        const target = output['from'].replace(/\/tiny_stroem\/__init__\.py$/, '');
        expect(dirname(target)).toBe(tmp);
        expect(basename(target)).toMatch(/^stroem-python-deps-/);
        expect(output['pythonpath']).toBe(`${target}:/opt/kept`);
        expect(existsSync(target)).toBe(false);
        expect(readdirSync(workspace)).toEqual([]);
        // the worker's own Python did not get the package
        expect(() =>
          execFileSync(realPython(), ['-c', 'import tiny_stroem'], { stdio: 'ignore' }),
        ).toThrow();
      });

      it('fails the step with "Dependency install failed" when pip cannot reach its index', async () => {
        link({ python3: realPython() });
        const result = await run({
          language: 'python',
          dependencies: ['stroem-test-no-such-package'],
          env: {
            PIP_CONFIG_FILE: '/dev/null',
            // nothing listens on port 9: the connection is refused at once
            PIP_INDEX_URL: 'http://127.0.0.1:9/simple',
            // one retry, so pip says why (it retries at once, and only then reports the cause)
            PIP_RETRIES: '1',
            PIP_TIMEOUT: '5',
          },
          script: 'print("OUTPUT: 1")\n',
        });
        expect(result.exitCode).toBe(1);
        expect(result.error).toMatch(/^Dependency install failed: Exit code: 1\nStderr: /);
        expect(result.error).toMatch(/Connection refused/);
        expect(result.error).toMatch(
          /No matching distribution found for stroem-test-no-such-package/,
        );
        expect(result.output).toBeNull();
        expect(readdirSync(workspace)).toEqual([]);
        expect(readdirSync(tmp)).toEqual([]);
      });
    });
  });

  describe('javascript', () => {
    it('runs inline code from a .js file with node, with args, then removes it', async () => {
      link({ node: process.execPath });
      const result = await run({
        language: 'js',
        script:
          'console.log("OUTPUT: " + JSON.stringify({ file: process.argv[1], args: process.argv.slice(2), step: process.env.STROEM_STEP_NAME }))',
        args: ['x', 'y z'],
      });
      expect(result.error).toBeUndefined();
      const output = result.output as Record<string, string>;
      expect(output).toMatchObject({ args: ['x', 'y z'], step: 'run' });
      expect(dirname(output['file'])).toBe(workspace);
      expect(basename(output['file'])).toMatch(new RegExp(`${TEMP_SCRIPT.source}\\.js$`));
      expect(readdirSync(workspace)).toEqual([]);
    });

    it('installs dependencies with npm install --no-save before running', async () => {
      link({ node: process.execPath, npm: realTool('npm', 'install npm') });
      const pkg = join(scratch, 'tiny-greeter');
      mkdirSync(pkg);
      writeFileSync(
        join(pkg, 'package.json'),
        JSON.stringify({ name: 'tiny-greeter', version: '1.0.0', main: 'index.js' }),
      );
      writeFileSync(join(pkg, 'index.js'), 'module.exports = (name) => `hej ${name}`;\n');
      const result = await run({
        language: 'javascript',
        dependencies: [`file:${pkg}`],
        script:
          'const greet = require("tiny-greeter");\nconsole.log("OUTPUT: " + JSON.stringify(greet(process.argv[2])))',
        args: ['world'],
      });
      expect(result.error).toBeUndefined();
      expect(result.output).toBe('hej world');
      // installed next to the script, nothing saved to a package.json
      expect(readdirSync(workspace)).toEqual(['node_modules']);
      expect(readdirSync(join(workspace, 'node_modules'))).toContain('tiny-greeter');
    });

    it('says npm is needed when there are dependencies and no npm', async () => {
      link({ node: process.execPath });
      const result = await run({
        language: 'javascript',
        dependencies: ['left-pad'],
        script: 'console.log(1)',
      });
      expect(result).toMatchObject({ exitCode: -1, output: null });
      expect(result.error).toBe(
        `javascript dependencies need npm (or bun) on PATH, and none was found (searched PATH=${bin})`,
      );
    });
  });

  describe('typescript', () => {
    it('runs inline code from a .ts file with tsx when bun and deno are absent', async () => {
      link({ node: process.execPath, tsx: join(repoRoot, 'node_modules', '.bin', 'tsx') });
      const result = await run({
        language: 'typescript',
        script: [
          'interface Report { file: string; args: string[]; total: number }',
          'const prices: number[] = [1, 2, 3];',
          'const report: Report = { file: process.argv[1], args: process.argv.slice(2), total: prices.reduce((a, b) => a + b, 0) };',
          'console.log(`OUTPUT: ${JSON.stringify(report)}`);',
        ].join('\n'),
        args: ['--dry-run'],
      });
      expect(result.error).toBeUndefined();
      const output = result.output as Record<string, string>;
      expect(output).toMatchObject({ args: ['--dry-run'], total: 6 });
      expect(dirname(output['file'])).toBe(workspace);
      expect(basename(output['file'])).toMatch(new RegExp(`${TEMP_SCRIPT.source}\\.ts$`));
      expect(readdirSync(workspace)).toEqual([]);
    });

    it('with only node on PATH, says what it tried and which node it found', async () => {
      link({ node: process.execPath });
      const [major, minor] = process.versions.node.split('.').map(Number);
      const result = await run({
        language: 'ts',
        script: 'const n: number = 1;\nconsole.log(`OUTPUT: ${n}`);',
      });
      if (major > 22 || (major === 22 && minor >= 6)) {
        // this node strips types itself
        expect(result).toMatchObject({ exitCode: 0, output: 1 });
      } else {
        expect(result).toMatchObject({ exitCode: -1, output: null });
        expect(result.error).toBe(
          `no TypeScript runtime found (tried bun, deno, tsx, node ≥ 22.6 — this node is ${process.version}); install one or set 'interpreter' (searched PATH=${bin})`,
        );
      }
    });

    it('does not count tsx without a node to run it', async () => {
      link({ tsx: join(repoRoot, 'node_modules', '.bin', 'tsx') });
      const result = await run({ language: 'typescript', script: 'console.log(1)' });
      expect(result.error).toBe(
        `no TypeScript runtime found (tried bun, deno, tsx, node ≥ 22.6); install one or set 'interpreter' (searched PATH=${bin})`,
      );
    });

    it('runs node ≥ 22.6 with --experimental-strip-types (a stand-in node that reports v22.6.0)', async () => {
      // No node 22 on this machine: the stand-in answers --version and echoes how it was called.
      fake(
        'node',
        'if [ "$1" = "--version" ]; then echo v22.6.0; exit 0; fi\nprintf \'OUTPUT: "%s"\\n\' "$*"',
      );
      const result = await run({ language: 'typescript', script: 'export {};', args: ['a'] });
      expect(result.error).toBeUndefined();
      expect(result.output).toMatch(
        new RegExp(
          `^--experimental-strip-types --disable-warning=ExperimentalWarning ${workspace}/_stroem_script_\\S+\\.ts a$`,
        ),
      );
    });
  });

  describe('go', () => {
    it('compiles and runs inline code with go run, with args, even without a HOME', async () => {
      link({ go: realTool('go', 'install Go: apt-get install -y golang-go') });
      const result = await run(
        {
          language: 'go',
          script: [
            'package main',
            '',
            'import (',
            '\t"encoding/json"',
            '\t"fmt"',
            '\t"os"',
            '\t"runtime"',
            ')',
            '',
            'func main() {',
            '\t_, file, _, _ := runtime.Caller(0)',
            '\tout, _ := json.Marshal(map[string]interface{}{',
            '\t\t"args": os.Args[1:], "file": file, "gocache": os.Getenv("GOCACHE"), "greeting": os.Getenv("GREETING"),',
            '\t})',
            '\tfmt.Println("OUTPUT: " + string(out))',
            '}',
          ].join('\n'),
          args: ['first', 'second arg'],
          env: { GREETING: 'hej' },
        },
        // a worker without HOME: go's build cache must go somewhere else
        { PATH: bin, TMPDIR: tmp },
      );
      expect(result.error).toBeUndefined();
      const output = result.output as Record<string, string>;
      const goCache = join(tmp, `stroem-go-${process.getuid?.() ?? 0}`, 'cache');
      expect(output).toMatchObject({
        args: ['first', 'second arg'],
        greeting: 'hej',
        gocache: goCache,
      });
      // go ignores files named `_…`, so the code sits in a `_stroem_script_<uuid>` folder
      expect(basename(dirname(output['file']))).toMatch(new RegExp(`${TEMP_SCRIPT.source}$`));
      expect(dirname(dirname(output['file']))).toBe(workspace);
      expect(basename(output['file'])).toBe('main.go');
      expect(existsSync(goCache)).toBe(true);
      expect(readdirSync(workspace)).toEqual([]);
    });
  });

  describe('shell', () => {
    it("runs a source file that is not executable through 'interpreter'", async () => {
      link({ sh: '/bin/sh' });
      writeFileSync(join(workspace, 'deploy.sh'), 'echo "OUTPUT: \\"$1\\""\n');
      const result = await run({ source: 'deploy.sh', interpreter: 'sh', args: ['prod'] });
      expect(result).toMatchObject({ exitCode: 0, output: 'prod' });
    });
  });

  describe('toolchains that are not there', () => {
    it.each([
      [
        'python',
        `no Python interpreter found (tried uv, python3, python); install one or set 'interpreter'`,
      ],
      [
        'javascript',
        `no JavaScript runtime found (tried bun, node); install one or set 'interpreter'`,
      ],
      [
        'typescript',
        `no TypeScript runtime found (tried bun, deno, tsx, node ≥ 22.6); install one or set 'interpreter'`,
      ],
      ['go', `no Go toolchain found (tried go); install Go or set 'interpreter'`],
    ])('%s: fails the step with what was tried', async (language, message) => {
      link({ sh: '/bin/sh', cat: realTool('cat', 'install coreutils') });
      const result = await run({ language, script: 'x' });
      expect(result).toEqual({
        exitCode: -1,
        output: null,
        stderr: '',
        error: `${message} (searched PATH=${bin})`,
      });
      expect(readdirSync(workspace)).toEqual([]);
    });

    it("fails the step when the 'interpreter' is not on PATH", async () => {
      link({ python3: realPython() });
      const result = await run({ language: 'python', interpreter: 'python9.9', script: 'x' });
      expect(result).toMatchObject({
        exitCode: -1,
        error: `interpreter 'python9.9' not found on PATH (searched PATH=${bin})`,
      });
    });

    it('rejects a language it does not know', async () => {
      const result = await run({ language: 'ruby', script: 'puts 1' });
      expect(result).toMatchObject({ exitCode: -1, error: "unsupported script language 'ruby'" });
    });
  });
});
