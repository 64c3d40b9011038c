/**
 * How a script action becomes a process (reference §2.16): inline shell runs as
 * `sh -c '<script>' sh <args…>`, a shell `source` file is executed directly, other languages run
 * through an interpreter found on PATH (python: uv > python3 > python; javascript: bun > node;
 * typescript: bun > deno; go: go run).
 */
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { findExecutable, isExecutableFile } from './executable-lookup';
import type { RunnableAction } from './runner';

export type ScriptLanguage = 'shell' | 'python' | 'javascript' | 'typescript' | 'go';

/** Thrown when an action cannot be turned into a command; the message is shown to the user. */
export class ScriptSetupError extends Error {}

export interface ScriptCommand {
  command: string;
  args: string[];
  /** Commands to run first (dependency installs), each in the same environment. */
  prepare: Array<{ command: string; args: string[] }>;
  /** The inline code to write to `scriptFile` before running, removed afterwards. */
  scriptFile?: { path: string; content: string };
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

const EXTENSIONS: Record<Exclude<ScriptLanguage, 'shell'>, string> = {
  python: '.py',
  javascript: '.js',
  typescript: '.ts',
  go: '.go',
};

interface Interpreter {
  command: string;
  /** Arguments placed before the script path. */
  args: string[];
  prepare: ScriptCommand['prepare'];
}

function resolveInterpreter(
  language: Exclude<ScriptLanguage, 'shell'>,
  action: RunnableAction,
  pathVar: string | undefined,
): Interpreter {
  const deps = action.dependencies ?? [];
  const find = (name: string) => findExecutable(name, pathVar);
  if (action.interpreter) {
    const found = find(action.interpreter);
    if (!found) throw new ScriptSetupError(`interpreter '${action.interpreter}' not found on PATH`);
    return { command: found, args: [], prepare: [] };
  }
  switch (language) {
    case 'python': {
      const uv = find('uv');
      if (uv)
        return { command: uv, args: ['run', ...deps.flatMap((d) => ['--with', d])], prepare: [] };
      const python = find('python3') ?? find('python');
      if (!python)
        throw new ScriptSetupError('no Python interpreter found (tried uv, python3, python)');
      const prepare =
        deps.length > 0 ? [{ command: python, args: ['-m', 'pip', 'install', '-q', ...deps] }] : [];
      return { command: python, args: [], prepare };
    }
    case 'javascript': {
      const bun = find('bun');
      if (bun) return { command: bun, args: ['run'], prepare: depsInstall(bun, ['install'], deps) };
      const node = find('node');
      if (!node) throw new ScriptSetupError('no JavaScript runtime found (tried bun, node)');
      const npm = find('npm');
      const prepare = npm ? depsInstall(npm, ['install', '--no-save'], deps) : [];
      return { command: node, args: [], prepare };
    }
    case 'typescript': {
      const bun = find('bun');
      if (bun) return { command: bun, args: ['run'], prepare: depsInstall(bun, ['install'], deps) };
      const deno = find('deno');
      if (deno) return { command: deno, args: ['run', '--allow-all'], prepare: [] };
      throw new ScriptSetupError('no TypeScript runtime found (tried bun, deno)');
    }
    case 'go': {
      const go = find('go');
      if (!go) throw new ScriptSetupError('no Go toolchain found on PATH');
      return { command: go, args: ['run'], prepare: [] };
    }
  }
}

function depsInstall(command: string, args: string[], deps: string[]): ScriptCommand['prepare'] {
  return deps.length > 0 ? [{ command, args: [...args, ...deps] }] : [];
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

export function buildScriptCommand(
  action: RunnableAction,
  workspaceDir: string,
  pathVar: string | undefined,
): ScriptCommand {
  const language = normaliseLanguage(action.language);
  const args = action.args ?? [];
  if (action.script === undefined && action.source === undefined) {
    throw new ScriptSetupError('the action has neither `script` nor `source`');
  }

  if (action.source !== undefined) {
    const file = resolveSourcePath(workspaceDir, action.source);
    if (!existsSync(file)) {
      throw new ScriptSetupError(`script source '${action.source}' not found in ${workspaceDir}`);
    }
    if (language === 'shell') {
      if (!isExecutableFile(file)) {
        throw new ScriptSetupError(
          `script source '${action.source}' is not executable: give it a shebang line and run \`chmod +x ${action.source}\``,
        );
      }
      return { command: file, args, prepare: [] };
    }
    const interpreter = resolveInterpreter(language, action, pathVar);
    return {
      command: interpreter.command,
      args: [...interpreter.args, file, ...args],
      prepare: interpreter.prepare,
    };
  }

  const script = action.script ?? '';
  if (language === 'shell') {
    const sh = action.interpreter ? findExecutable(action.interpreter, pathVar) : '/bin/sh';
    if (!sh) throw new ScriptSetupError(`interpreter '${action.interpreter}' not found on PATH`);
    return { command: sh, args: ['-c', script, 'sh', ...args], prepare: [] };
  }
  const interpreter = resolveInterpreter(language, action, pathVar);
  const path = join(workspaceDir, `_stroem_script_${randomUUID()}${EXTENSIONS[language]}`);
  return {
    command: interpreter.command,
    args: [...interpreter.args, path, ...args],
    prepare: interpreter.prepare,
    scriptFile: { path, content: script },
  };
}
