/**
 * A `script` action as the command of a container or pod (reference §2.16 "Shell execution"):
 * one POSIX `sh -c` wrapper that sources the startup scripts, then runs the script the way the
 * shell runner would — inline shell as `sh -c '<script>' sh <args…>`, a shell `source` directly,
 * other languages through the first interpreter the image has (python: uv > python3 > python;
 * javascript: bun > node; typescript: bun > deno > tsx; go: go run), their inline code written to
 * `/tmp/_stroem_script_<uuid><ext>` first (Go: `/tmp/_stroem_script_<uuid>/main.go`). The script and its arguments travel as positional
 * parameters, never spliced into the wrapper, so no quoting of user text is needed.
 */
import { randomUUID } from 'node:crypto';
import { posix } from 'node:path';
import type { RunnableAction } from './runner';
import { normaliseLanguage, type ScriptLanguage } from './script-command';

/** Where a runner mounts the startup scripts in the container. */
export const CONTAINER_STARTUP_DIR = '/etc/stroem/startup.d';

export interface ContainerScriptOptions {
  /** The workspace in the container (the working directory). */
  workdir: string;
  /** A folder of `*.sh` files sourced first, when the runner mounts one. */
  startupDir?: string;
  /** Names the temp file; tests fix it. */
  scriptId?: string;
}

const EXTENSIONS: Record<'python' | 'javascript' | 'typescript', string> = {
  python: '.py',
  javascript: '.js',
  typescript: '.ts',
};

/** A literal for the wrapper (dependency names, interpreter, paths): single-quoted. */
export function shellQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

function missing(what: string): string {
  return `echo ${shellQuote(`stroem: ${what}`)} >&2; exit 127`;
}

/** Shell lines that exec the interpreter for `language` on "$__file" "$@". */
function interpreterLines(
  language: Exclude<ScriptLanguage, 'shell'>,
  dependencies: string[],
  workdir: string,
): string[] {
  const deps = dependencies.map(shellQuote).join(' ');
  const has = (cmd: string) => `command -v ${cmd} >/dev/null 2>&1`;
  // Packages go to /tmp (the workspace is read-only): found from the inline script's folder,
  // and through NODE_PATH from a `source` file in the workspace.
  const installIn = (cmd: string) =>
    deps === ''
      ? []
      : [
          `(cd /tmp && ${cmd} ${deps}) >&2 || { echo 'stroem: dependency install failed' >&2; exit 1; }`,
          `export NODE_PATH=/tmp/node_modules`,
        ];
  switch (language) {
    case 'python':
      return [
        `if ${has('uv')}; then exec uv run${dependencies.map((d) => ` --with ${shellQuote(d)}`).join('')} "$__file" "$@"; fi`,
        `for __py in python3 python; do`,
        `  if ${has('"$__py"')}; then`,
        ...(deps === ''
          ? []
          : [
              `    "$__py" -m pip install -q ${deps} >&2 || { echo 'stroem: dependency install failed' >&2; exit 1; }`,
            ]),
        `    exec "$__py" "$__file" "$@"`,
        `  fi`,
        `done`,
        missing('no Python interpreter in the image (tried uv, python3, python)'),
      ];
    case 'javascript':
      return [
        `if ${has('bun')}; then`,
        ...installIn('bun install').map((l) => `  ${l}`),
        `  cd ${shellQuote(workdir)}; exec bun run "$__file" "$@"`,
        `fi`,
        `if ${has('node')}; then`,
        ...installIn('npm install --no-save --no-audit --no-fund').map((l) => `  ${l}`),
        `  cd ${shellQuote(workdir)}; exec node "$__file" "$@"`,
        `fi`,
        missing('no JavaScript runtime in the image (tried bun, node)'),
      ];
    case 'typescript':
      return [
        `if ${has('bun')}; then`,
        ...installIn('bun install').map((l) => `  ${l}`),
        `  cd ${shellQuote(workdir)}; exec bun run "$__file" "$@"`,
        `fi`,
        `if ${has('deno')}; then exec deno run --allow-all "$__file" "$@"; fi`,
        `if ${has('tsx')}; then exec tsx "$__file" "$@"; fi`,
        missing('no TypeScript runtime in the image (tried bun, deno, tsx)'),
      ];
    case 'go':
      return [
        `if ${has('go')}; then exec go run "$__file" "$@"; fi`,
        missing('no Go toolchain in the image'),
      ];
  }
}

/**
 * `['sh', '-c', wrapper, 'sh', <script or source>, ...args]`. Throws `ScriptSetupError` for an
 * action that has no script (the caller turns it into the step error).
 */
export function containerScriptCommand(
  action: RunnableAction,
  options: ContainerScriptOptions,
): string[] {
  const language = normaliseLanguage(action.language);
  const workdir = options.workdir;
  const lines: string[] = ['__body=$1; shift'];
  if (options.startupDir) {
    lines.push(
      `for __f in ${shellQuote(options.startupDir)}/*.sh; do`,
      `  if [ -r "$__f" ]; then . "$__f"; fi`,
      `done`,
    );
  }
  lines.push(`cd ${shellQuote(workdir)} || exit 1`);

  let body: string;
  if (action.source !== undefined) {
    body = posix.isAbsolute(action.source) ? action.source : posix.join(workdir, action.source);
    if (language === 'shell') {
      lines.push(
        action.interpreter
          ? `exec ${shellQuote(action.interpreter)} "$__body" "$@"`
          : `exec "$__body" "$@"`,
      );
      return ['sh', '-c', lines.join('\n'), 'sh', body, ...(action.args ?? [])];
    }
    lines.push('__file=$__body');
  } else {
    body = action.script ?? '';
    if (language === 'shell') {
      const shell = action.interpreter ?? 'sh';
      lines.push(`exec ${shellQuote(shell)} -c "$__body" ${shellQuote(shell)} "$@"`);
      return ['sh', '-c', lines.join('\n'), 'sh', body, ...(action.args ?? [])];
    }
    const id = options.scriptId ?? randomUUID();
    if (language === 'go') {
      // `go run` ignores files whose name starts with `_`: a folder of its own with main.go.
      const dir = `/tmp/_stroem_script_${id}`;
      lines.push(`mkdir -p ${shellQuote(dir)} || exit 1`, `__file=${shellQuote(`${dir}/main.go`)}`);
    } else {
      lines.push(`__file=${shellQuote(`/tmp/_stroem_script_${id}${EXTENSIONS[language]}`)}`);
    }
    lines.push(`printf '%s' "$__body" > "$__file" || exit 1`);
  }
  if (action.interpreter) {
    lines.push(
      `if command -v ${shellQuote(action.interpreter)} >/dev/null 2>&1; then exec ${shellQuote(action.interpreter)} "$__file" "$@"; fi`,
      missing(`interpreter '${action.interpreter}' not found in the image`),
    );
  } else {
    lines.push(...interpreterLines(language, action.dependencies ?? [], workdir));
  }
  return ['sh', '-c', lines.join('\n'), 'sh', body, ...(action.args ?? [])];
}
