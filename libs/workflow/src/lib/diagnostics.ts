/** A problem found while loading or validating a workspace, located in its YAML. */

export type Severity = 'error' | 'warning';

export interface SourceLocation {
  /** Path of the YAML file relative to the workspace root, forward slashes. */
  file: string;
  /** 1-based. */
  line: number;
  /** 1-based. */
  column: number;
}

/** Machine-readable kinds the CLI and server act on; most diagnostics carry none. */
export type DiagnosticCode = 'yaml-syntax' | 'file-unreadable';

export interface Diagnostic {
  severity: Severity;
  /** The YAML path the problem sits at, e.g. `tasks.deploy.flow.build.depends_on`; '' for a whole file. */
  path: string;
  message: string;
  location?: SourceLocation;
  code?: DiagnosticCode;
}

/** A YAML path as a list of keys and sequence indexes. */
export type YamlPath = ReadonlyArray<string | number>;

/** `tasks.deploy.flow.build.depends_on[0]` */
export function formatYamlPath(path: YamlPath): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? part : `.${part}`;
  }
  return out;
}

/**
 * `deploy.yaml:14:7 tasks.deploy.flow.build.depends_on: unknown step 'tset'`.
 * `displayFile` maps the workspace-relative file to what the reader should see (e.g. relative to the cwd).
 */
export function formatDiagnostic(
  d: Diagnostic,
  displayFile: (file: string) => string = (f) => f,
): string {
  const where = d.location
    ? `${displayFile(d.location.file)}:${d.location.line}:${d.location.column} `
    : '';
  const path = d.path ? `${d.path}: ` : '';
  return `${where}${path}${d.message}`;
}

export function hasErrors(diagnostics: readonly Diagnostic[]): boolean {
  return diagnostics.some((d) => d.severity === 'error');
}

/** In reading order: by file, line and column; unlocated ones last; otherwise stable. */
export function sortDiagnostics(diagnostics: readonly Diagnostic[]): Diagnostic[] {
  return diagnostics
    .map((d, i) => ({ d, i }))
    .sort((a, b) => {
      const la = a.d.location;
      const lb = b.d.location;
      if (!la || !lb) return la ? -1 : lb ? 1 : a.i - b.i;
      if (la.file !== lb.file) return la.file < lb.file ? -1 : 1;
      return la.line - lb.line || la.column - lb.column || a.i - b.i;
    })
    .map(({ d }) => d);
}
