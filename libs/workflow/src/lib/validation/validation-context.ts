import type { Diagnostic, Severity, YamlPath } from '../diagnostics';
import { formatYamlPath } from '../diagnostics';
import type { LoadedWorkspace } from '../loader/loaded-workspace';
import type { WorkspaceConfig } from '../model/workflow.model';
import { inlineActionName } from '../model/workflow.model';
import { didYouMean } from '../suggest';

export interface ValidateWorkspaceOptions {
  /**
   * Workspaces (and libraries) the caller can resolve, e.g. the server's loaded workspaces.
   * Without it a dotted reference (`lib.action`, `otherws.task`) that is not a local key is
   * skipped with a warning, as `stroem validate` does offline; with it, a dotted reference whose
   * prefix is none of these names is an error.
   */
  knownWorkspaces?: readonly string[];
}

export type ReferenceKind = 'action' | 'task';

/** What the rule files share: the workspace, the options and the diagnostics being collected. */
export class ValidationContext {
  readonly config: WorkspaceConfig;
  readonly diagnostics: Diagnostic[] = [];
  /** Hoisted inline action name → the `[task, step]` that defined it. */
  private readonly inlineOwners = new Map<string, readonly [string, string]>();

  constructor(
    private readonly ws: LoadedWorkspace,
    readonly options: ValidateWorkspaceOptions,
  ) {
    this.config = ws.config;
    for (const [taskName, task] of Object.entries(ws.config.tasks)) {
      for (const [stepName, step] of Object.entries(task.flow)) {
        const hoisted = inlineActionName(taskName, stepName);
        if (step.inline && step.action === hoisted)
          this.inlineOwners.set(hoisted, [taskName, stepName]);
      }
    }
  }

  error(path: YamlPath, message: string): void {
    this.report('error', path, message);
  }

  warn(path: YamlPath, message: string): void {
    this.report('warning', path, message);
  }

  isInlineAction(name: string): boolean {
    return this.inlineOwners.has(name);
  }

  /** Action names a user could have meant: the named ones, not the hoisted inline ones. */
  namedActions(): string[] {
    return Object.keys(this.config.actions).filter((name) => !this.inlineOwners.has(name));
  }

  /**
   * Checks that `name` names an action or task of this workspace. A dotted name that is not a
   * local key is a library or cross-workspace reference: see {@link ValidateWorkspaceOptions}.
   */
  checkReference(kind: ReferenceKind, name: string, path: YamlPath): void {
    const local = kind === 'action' ? this.config.actions : this.config.tasks;
    if (Object.hasOwn(local, name)) return;
    const dot = name.indexOf('.');
    if (dot >= 0) {
      const known = this.options.knownWorkspaces;
      const prefix = name.slice(0, dot);
      if (known === undefined) {
        this.warn(
          path,
          `${kind} '${name}' is a library or cross-workspace reference — validation skipped`,
        );
      } else if (!known.includes(prefix)) {
        this.error(
          path,
          `unknown ${kind} '${name}': no workspace or library named '${prefix}'${didYouMean(prefix, known)}`,
        );
      }
      return;
    }
    const candidates = kind === 'action' ? this.namedActions() : Object.keys(local);
    this.error(path, `unknown ${kind} '${name}'${didYouMean(name, candidates)}`);
  }

  private report(severity: Severity, path: YamlPath, message: string): void {
    this.diagnostics.push({
      severity,
      path: formatYamlPath(this.displayPath(path)),
      message,
      location: this.ws.locate(path),
    });
  }

  /** Problems of a hoisted inline action are shown where it was written: its flow step. */
  private displayPath(path: YamlPath): YamlPath {
    if (path[0] !== 'actions' || typeof path[1] !== 'string') return path;
    const owner = this.inlineOwners.get(path[1]);
    if (!owner) return path;
    return ['tasks', owner[0], 'flow', owner[1], ...path.slice(2)];
  }
}
