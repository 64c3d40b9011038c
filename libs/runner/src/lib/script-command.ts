/**
 * How a script action becomes a process on the local runner (reference §1.13, §2.16): inline
 * shell runs as `sh -c '<script>' sh <args…>`, a shell `source` file is executed directly, other
 * languages run through a toolchain found on the step's PATH:
 *
 * - python: uv (`uv run --with <dep>`) > python3 > python (deps: `pip install --target` into a
 *   per-step folder put on PYTHONPATH, so steps never change the worker's own site-packages);
 * - javascript: bun (`bun install --no-save`) > node (`npm install --no-save`);
 * - typescript: bun > deno > tsx > node ≥ 22.6 with `--experimental-strip-types`;
 * - go: `go run`, with GOCACHE/GOPATH in the worker's temp folder when HOME is not usable.
 *
 * Inline code is written to `_stroem_script_<uuid><ext>` in the workspace; Go ignores files whose
 * name starts with `_`, so Go code goes to `_stroem_script_<uuid>/main.go` instead.
 */
import { randomUUID } from 'node:crypto';
import { accessSync, constants, existsSync, lstatSync, mkdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, delimiter, isAbsolute, join, relative, resolve } from 'node:path';
import { findExecutable, isExecutableFile, nodeVersionOf } from './executable-lookup';
import type { RunnableAction } from './runner';

export type ScriptLanguage = 'shell' | 'python' | 'javascript' | 'typescript' | 'go';

/** Thrown when an action cannot be turned into a command; the message is shown to the user. */
export class ScriptSetupError extends Error {}

export interface ProcessSpec {
  command: string;
  args: string[];
}

export interface ScriptCommand {
  command: string;
  args: string[];
  /** Commands to run first (dependency installs), in the same folder and environment. */
  prepare: ProcessSpec[];
  /** Variables added to the step's environment, for `prepare` and the run. */
  env: Record<string, string>;
  /** Inline code to write to `path` (creating its folder) before running. */
  scriptFile?: { path: string; content: string };
  /** Files and folders to remove, recursively, once the step finished. */
  cleanup: string[];
}

export function normaliseLanguage(language: string | undefined): ScriptLanguage {
  switch (language ?? 'shell') {
    case 'shell':
    case 'sh':
    case 'bash':
      return 'shell';
    case 'python':
      return 'python';
    case 'javascript':
    case 'js':
      return 'javascript';
    case 'typescript':
    case 'ts':
      return 'typescript';
    case 'go':
      return 'go';
    default:
      throw new ScriptSetupError(`unsupported script language '${language}'`);
  }
}

type InterpretedLanguage = Exclude<ScriptLanguage, 'shell'>;

const EXTENSIONS: Record<InterpretedLanguage, string> = {
  python: '.py',
  javascript: '.js',
  typescript: '.ts',
  go: '.go',
};

/** Node runs TypeScript itself from 22.6 on, with this flag (the default from 23.6). */
const NODE_STRIP_TYPES = ['--experimental-strip-types', '--disable-warning=ExperimentalWarning'];

interface Toolchain {
  command: string;
  /** Arguments placed before the script path. */
  args: string[];
  prepare: ProcessSpec[];
  env: Record<string, string>;
  cleanup: string[];
}

interface Context {
  language: InterpretedLanguage;
  deps: string[];
  env: NodeJS.ProcessEnv;
  workspaceDir: string;
  find: (name: string) => string | undefined;
}

/** Resolves `source` against the workspace root, refusing paths that leave it. */
export function resolveSourcePath(workspaceDir: string, source: string): string {
  const root = resolve(workspaceDir);
  const full = resolve(root, source);
  const rel = relative(root, full);
  if (rel.startsWith('..') || isAbsolute(rel)) {
    throw new ScriptSetupError(`script source '${source}' is outside the workspace`);
  }
  return full;
}

/**
 * The process for `action`, resolved against the step's environment `env` (its PATH finds the
 * toolchains; its HOME, TMPDIR, PYTHONPATH… shape the extra variables). Creates nothing in the
 * workspace: the caller writes `scriptFile` and removes `cleanup`.
 */
export function buildScriptCommand(
  action: RunnableAction,
  workspaceDir: string,
  env: NodeJS.ProcessEnv,
): ScriptCommand {
  const language = normaliseLanguage(action.language);
  const args = action.args ?? [];
  if (action.script === undefined && action.source === undefined) {
    throw new ScriptSetupError('the action has neither `script` nor `source`');
  }
  const find = (name: string) => findExecutable(name, env['PATH'], workspaceDir);
  const interpreter = action.interpreter
    ? findInterpreter(action.interpreter, env, find)
    : undefined;

  if (language === 'shell') {
    if (action.source !== undefined) {
      const file = existingSource(workspaceDir, action.source);
      if (interpreter) return plain(interpreter, [file, ...args]);
      if (!isExecutableFile(file)) {
        throw new ScriptSetupError(
          `script source '${action.source}' is not executable: give it a shebang line and run \`chmod +x ${action.source}\`, or set 'interpreter'`,
        );
      }
      return plain(file, args);
    }
    return plain(interpreter ?? '/bin/sh', ['-c', action.script ?? '', 'sh', ...args]);
  }

  const context: Context = { language, deps: action.dependencies ?? [], env, workspaceDir, find };
  if (action.source !== undefined) {
    const file = existingSource(workspaceDir, action.source);
    const toolchain = resolveToolchain(context, interpreter);
    return { ...toolchain, args: [...toolchain.args, file, ...args] };
  }

  const toolchain = resolveToolchain(context, interpreter);
  const name = `_stroem_script_${randomUUID()}`;
  // `go run` ignores files named `_…`, so Go code gets a folder of that name instead.
  const path =
    language === 'go'
      ? join(workspaceDir, name, 'main.go')
      : join(workspaceDir, `${name}${EXTENSIONS[language]}`);
  return {
    ...toolchain,
    args: [...toolchain.args, path, ...args],
    scriptFile: { path, content: action.script ?? '' },
    cleanup: [...toolchain.cleanup, language === 'go' ? join(workspaceDir, name) : path],
  };
}

function plain(command: string, args: string[]): ScriptCommand {
  return { command, args, prepare: [], env: {}, cleanup: [] };
}

function existingSource(workspaceDir: string, source: string): string {
  const file = resolveSourcePath(workspaceDir, source);
  if (!existsSync(file)) {
    throw new ScriptSetupError(`script source '${source}' not found in ${workspaceDir}`);
  }
  return file;
}

function findInterpreter(
  interpreter: string,
  env: NodeJS.ProcessEnv,
  find: (name: string) => string | undefined,
): string {
  const found = find(interpreter);
  if (!found) {
    throw new ScriptSetupError(`interpreter '${interpreter}' not found on PATH${searched(env)}`);
  }
  return found;
}

function searched(env: NodeJS.ProcessEnv): string {
  return env['PATH'] ? ` (searched PATH=${env['PATH']})` : ' (PATH is not set)';
}

/**
 * The toolchain for the context's language: the `interpreter` override (its file name decides
 * how dependencies install, e.g. `uv`, `bun`, `python3.12`), else the first preference found.
 */
function resolveToolchain(context: Context, interpreter: string | undefined): Toolchain {
  if (interpreter) return toolchainFor(context, basename(interpreter), interpreter);
  const { find, language } = context;
  switch (language) {
    case 'python':
      for (const name of ['uv', 'python3', 'python']) {
        const path = find(name);
        if (path) return toolchainFor(context, name, path);
      }
      throw missing(context, 'no Python interpreter found (tried uv, python3, python)');
    case 'javascript':
      for (const name of ['bun', 'node']) {
        const path = find(name);
        if (path) return toolchainFor(context, name, path);
      }
      throw missing(context, 'no JavaScript runtime found (tried bun, node)');
    case 'typescript':
      return typescriptToolchain(context);
    case 'go': {
      const go = find('go');
      if (go) return toolchainFor(context, 'go', go);
      throw new ScriptSetupError(
        `no Go toolchain found (tried go); install Go or set 'interpreter'${searched(context.env)}`,
      );
    }
  }
}

function typescriptToolchain(context: Context): Toolchain {
  const { find } = context;
  for (const name of ['bun', 'deno']) {
    const path = find(name);
    if (path) return toolchainFor(context, name, path);
  }
  const node = find('node');
  // tsx is a node program (`#!/usr/bin/env node`): without node on PATH it cannot start.
  const tsx = node ? find('tsx') : undefined;
  if (tsx) return toolchainFor(context, 'tsx', tsx);
  const version = node ? nodeVersionOf(node) : undefined;
  if (node && version && (version.major > 22 || (version.major === 22 && version.minor >= 6))) {
    return toolchainFor(context, 'node', node);
  }
  const found = !node ? '' : ` — this node is ${version?.text ?? `${node}, which did not run`}`;
  throw missing(context, `no TypeScript runtime found (tried bun, deno, tsx, node ≥ 22.6${found})`);
}

function missing(context: Context, what: string): ScriptSetupError {
  return new ScriptSetupError(`${what}; install one or set 'interpreter'${searched(context.env)}`);
}

function toolchainFor(context: Context, name: string, path: string): Toolchain {
  const { deps, language } = context;
  const base: Toolchain = { command: path, args: [], prepare: [], env: {}, cleanup: [] };
  switch (language) {
    case 'python':
      if (name === 'uv') return { ...base, args: ['run', ...deps.flatMap((d) => ['--with', d])] };
      return deps.length > 0 ? { ...base, ...pipInstall(context, path) } : base;
    case 'javascript':
    case 'typescript':
      if (name === 'bun') {
        const install = { command: path, args: ['install', '--no-save', ...deps] };
        return { ...base, args: ['run'], prepare: deps.length > 0 ? [install] : [] };
      }
      // deno fetches `npm:`/`jsr:` imports itself; `dependencies` has nothing to add there.
      if (name === 'deno') return { ...base, args: ['run', '--allow-all'] };
      return {
        ...base,
        args: language === 'typescript' && name === 'node' ? NODE_STRIP_TYPES : [],
        prepare: deps.length > 0 ? [npmInstall(context)] : [],
      };
    case 'go':
      // A Go script takes its dependencies from the workspace's go.mod.
      return { ...base, args: name === 'go' ? ['run'] : [], env: goEnv(context.env) };
  }
}

/** `pip install --target` a fresh folder in the worker's temp dir, put first on PYTHONPATH. */
function pipInstall(context: Context, python: string): Partial<Toolchain> {
  const target = join(tempRoot(context.env), `stroem-python-deps-${randomUUID()}`);
  const existing = context.env['PYTHONPATH'];
  return {
    prepare: [
      {
        command: python,
        args: [
          ...['-m', 'pip', 'install', '-q', '--disable-pip-version-check', '--no-input'],
          ...['--target', target, ...context.deps],
        ],
      },
    ],
    env: { PYTHONPATH: existing ? `${target}${delimiter}${existing}` : target },
    cleanup: [target],
  };
}

/** `npm install --no-save` into the workspace root, where node resolves the script's imports. */
function npmInstall(context: Context): ProcessSpec {
  const npm = context.find('npm');
  if (!npm) {
    throw new ScriptSetupError(
      `${context.language} dependencies need npm (or bun) on PATH, and none was found${searched(context.env)}`,
    );
  }
  return {
    command: npm,
    args: [
      ...['install', '--no-save', '--no-audit', '--no-fund', '--prefix', context.workspaceDir],
      ...context.deps,
    ],
  };
}

/**
 * `go run` needs a build cache (and a GOPATH for modules), which it puts under HOME. When the
 * step's HOME is missing or not writable, they go to a folder of this worker's user in its temp
 * dir, shared by all Go steps so the cache helps.
 */
function goEnv(env: NodeJS.ProcessEnv): Record<string, string> {
  if (writableDir(env['HOME'])) return {};
  const needCache = !env['GOCACHE'] && !env['XDG_CACHE_HOME'];
  const needPath = !env['GOPATH'];
  if (!needCache && !needPath) return {};
  const uid = process.getuid?.() ?? 0;
  const root = join(tempRoot(env), `stroem-go-${uid}`);
  const fix = `give the worker a writable HOME, or set GOCACHE and GOPATH in the action's env`;
  let stat;
  try {
    mkdirSync(root, { recursive: true, mode: 0o700 });
    stat = lstatSync(root);
  } catch (err) {
    throw new ScriptSetupError(`cannot create the Go cache folder ${root}: ${String(err)}; ${fix}`);
  }
  if (!stat.isDirectory() || stat.uid !== uid) {
    throw new ScriptSetupError(
      `the Go cache folder ${root} is not a directory of this worker's user; remove it, or ${fix}`,
    );
  }
  const out: Record<string, string> = {};
  if (needCache) out['GOCACHE'] = join(root, 'cache');
  if (needPath) out['GOPATH'] = join(root, 'path');
  return out;
}

function writableDir(path: string | undefined): boolean {
  if (!path) return false;
  try {
    if (!statSync(path).isDirectory()) return false;
    accessSync(path, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

function tempRoot(env: NodeJS.ProcessEnv): string {
  return env['TMPDIR'] || tmpdir();
}
