import type { Diagnostic, SourceLocation, YamlPath } from '../diagnostics';
import type { WorkspaceConfig } from '../model/workflow.model';

/** A workspace read from disk: the merged model plus where each part came from. */
export interface LoadedWorkspace {
  /** Absolute path of the workspace root. */
  root: string;
  /** Absolute path of the scanned directory: `<root>/.workflows`, or the root when that is missing. */
  scanDir: string;
  /** The YAML files that were read, relative to the root, in load (path) order. */
  files: string[];
  /** The merged workspace, inline steps hoisted, defaults applied, secrets rendered. */
  config: WorkspaceConfig;
  /**
   * Load-time problems: files skipped because they are not valid YAML or cannot be read
   * (warnings with code `yaml-syntax` / `file-unreadable`, as upstream skips them), fields of
   * the wrong shape (the field is dropped), bad durations, secrets that failed to render.
   */
  diagnostics: Diagnostic[];
  /**
   * Where a YAML path of the merged model was written, e.g.
   * `['tasks', 'deploy', 'flow', 'build', 'depends_on', 0]`. Falls back to the nearest
   * ancestor that exists in the file that defined the top-level entry; undefined when unknown.
   * Hoisted inline actions (`actions['_inline:t:s']`) map to `tasks.t.flow.s`.
   */
  locate(path: YamlPath): SourceLocation | undefined;
}
