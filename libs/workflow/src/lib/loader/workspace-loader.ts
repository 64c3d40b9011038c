import { promises as fs } from 'fs';
import * as path from 'path';

import type { Diagnostic, SourceLocation, YamlPath } from '../diagnostics';
import { formatYamlPath } from '../diagnostics';
import type { JsonValue, WorkspaceConfig } from '../model/workflow.model';
import { emptyWorkspaceConfig, HOOK_EVENTS } from '../model/workflow.model';
import { renderTemplate } from '../template/render';
import { FieldReader, describe, isPlainObject } from './field-reader';
import type { LoadedWorkspace } from './loaded-workspace';
import { decryptSopsFile, isSopsFile } from './sops';
import type { InlineOrigin } from './workflow-file-reader';
import { readWorkflowFile } from './workflow-file-reader';
import { YamlFile } from './yaml-file';

const MAX_DEPTH = 10;
const MAP_SECTIONS = [
  'secrets',
  'connection_types',
  'connections',
  'actions',
  'tasks',
  'triggers',
  'mcp_servers',
] as const;

export interface LoadWorkspaceOptions {
  /** Decrypts a `*.sops.yaml` file to YAML text; defaults to running `sops -d`. */
  decryptSops?: (absolutePath: string) => Promise<string>;
}

/**
 * Reads a workspace the way upstream does (reference §2.1): every `*.yaml`/`*.yml` under
 * `.workflows/` (or the root), recursively and in path order, merged key by key (later files
 * win, hook lists concatenate). A file that cannot be read or parsed is skipped and reported.
 * Throws only when `root` itself is not a readable directory.
 */
export async function loadWorkspace(
  root: string,
  options: LoadWorkspaceOptions = {},
): Promise<LoadedWorkspace> {
  const absRoot = path.resolve(root);
  const stat = await fs.stat(absRoot).catch(() => undefined);
  if (!stat) throw new WorkspaceNotFoundError(`workspace path '${root}' does not exist`);
  if (!stat.isDirectory())
    throw new WorkspaceNotFoundError(`workspace path '${root}' is not a directory`);

  const workflowsDir = path.join(absRoot, '.workflows');
  const scanDir = (await isDirectory(workflowsDir)) ? workflowsDir : absRoot;
  const absFiles = (await collectYamlFiles(scanDir, 0)).sort(compareByComponents);

  const diagnostics: Diagnostic[] = [];
  const merged = new MergedWorkspace();
  const files: string[] = [];
  for (const absFile of absFiles) {
    const rel = toPosix(path.relative(absRoot, absFile));
    const text = await readFileText(absFile, rel, options, diagnostics);
    if (text === undefined) continue;
    const parsed = YamlFile.parse(rel, text);
    if ('errors' in parsed) {
      diagnostics.push(...parsed.errors);
      continue;
    }
    files.push(rel);
    const value = parsed.file.toJS();
    if (value === null || value === undefined) continue;
    const reader = new FieldReader(parsed.file, diagnostics);
    if (!isPlainObject(value)) {
      reader.error(
        [],
        `a workflow file must be a mapping of sections (actions, tasks, …), found ${describe(value)}`,
      );
      continue;
    }
    const contents = readWorkflowFile(value as Record<string, JsonValue>, reader);
    inferFolders(contents.config, path.relative(scanDir, path.dirname(absFile)));
    merged.add(parsed.file, contents.config, contents.inlineActions);
  }

  const ws: LoadedWorkspace = {
    root: absRoot,
    scanDir,
    files,
    config: merged.config,
    diagnostics,
    locate: (p) => merged.locate(p),
  };
  renderSecrets(ws);
  renderConnections(ws);
  return ws;
}

export class WorkspaceNotFoundError extends Error {
  override name = 'WorkspaceNotFoundError';
}

/** The merged model plus, per top-level entry, the file that defined it last. */
class MergedWorkspace {
  readonly config: WorkspaceConfig = emptyWorkspaceConfig();
  private readonly owners = new Map<string, YamlFile>();
  private readonly hookOwners = new Map<string, Array<{ file: YamlFile; index: number }>>();
  private readonly inlineOrigins = new Map<string, InlineOrigin>();

  add(file: YamlFile, part: WorkspaceConfig, inline: Map<string, InlineOrigin>): void {
    for (const section of MAP_SECTIONS) {
      const target = this.config[section] as Record<string, unknown>;
      for (const [key, value] of Object.entries(part[section])) {
        target[key] = value;
        this.owners.set(ownerKey(section, key), file);
      }
    }
    for (const event of HOOK_EVENTS) {
      const owners = this.hookOwners.get(event) ?? [];
      part[event].forEach((hook, index) => {
        this.config[event].push(hook);
        owners.push({ file, index });
      });
      this.hookOwners.set(event, owners);
    }
    for (const [action, origin] of inline) this.inlineOrigins.set(action, origin);
  }

  locate(p: YamlPath): SourceLocation | undefined {
    if (p.length === 0) return undefined;
    const [section, key, ...rest] = p;
    if (section === 'actions' && typeof key === 'string') {
      const origin = this.inlineOrigins.get(key);
      if (origin && this.config.actions[key]) {
        return this.locate(['tasks', origin.task, 'flow', origin.step, ...rest]);
      }
    }
    if (typeof section === 'string' && (HOOK_EVENTS as readonly string[]).includes(section)) {
      const owner = typeof key === 'number' ? this.hookOwners.get(section)?.[key] : undefined;
      return owner?.file.locate([section, owner.index, ...rest]);
    }
    if (key === undefined) return undefined;
    const file = this.owners.get(ownerKey(String(section), String(key)));
    return file?.locate(p);
  }
}

function ownerKey(section: string, key: string): string {
  return `${section}\u0000${key}`;
}

function inferFolders(config: WorkspaceConfig, relDir: string): void {
  if (relDir === '' || relDir === '.') return;
  const folder = toPosix(relDir);
  for (const task of Object.values(config.tasks)) {
    if (task.folder === undefined) task.folder = folder;
  }
}

/** Secrets are rendered once at load with an empty context (`get_env()` and `vals` work). */
function renderSecrets(ws: LoadedWorkspace): void {
  for (const [name, value] of Object.entries(ws.config.secrets)) {
    ws.config.secrets[name] = renderDeep(value, {}, ['secrets', name], ws);
  }
}

/** Connection values are rendered with `{secret}`, then connection-type defaults filled in. */
function renderConnections(ws: LoadedWorkspace): void {
  const context = { secret: ws.config.secrets };
  for (const [name, conn] of Object.entries(ws.config.connections)) {
    for (const [prop, value] of Object.entries(conn.values)) {
      conn.values[prop] = renderDeep(value, context, ['connections', name, prop], ws);
    }
    const type = conn.type ? ws.config.connection_types[conn.type] : undefined;
    for (const [prop, def] of Object.entries(type ?? {})) {
      if (conn.values[prop] === undefined && def.default !== undefined)
        conn.values[prop] = def.default;
    }
  }
}

function renderDeep(
  value: JsonValue,
  context: Record<string, unknown>,
  at: YamlPath,
  ws: LoadedWorkspace,
): JsonValue {
  if (typeof value === 'string') {
    if (!value.includes('{{')) return value;
    try {
      return renderTemplate(value, context);
    } catch (e) {
      ws.diagnostics.push({
        severity: 'error',
        path: formatYamlPath(at),
        message: `failed to render: ${(e as Error).message}`,
        location: ws.locate(at),
      });
      return value;
    }
  }
  if (Array.isArray(value)) return value.map((v, i) => renderDeep(v, context, [...at, i], ws));
  if (isPlainObject(value)) {
    const out: Record<string, JsonValue> = {};
    for (const [k, v] of Object.entries(value))
      out[k] = renderDeep(v as JsonValue, context, [...at, k], ws);
    return out;
  }
  return value;
}

async function readFileText(
  absFile: string,
  rel: string,
  options: LoadWorkspaceOptions,
  diagnostics: Diagnostic[],
): Promise<string | undefined> {
  try {
    if (isSopsFile(absFile)) return await (options.decryptSops ?? decryptSopsFile)(absFile);
    return await fs.readFile(absFile, 'utf8');
  } catch (e) {
    diagnostics.push({
      severity: 'warning',
      code: 'file-unreadable',
      path: '',
      message: `cannot read the file: ${(e as Error).message}`,
      location: { file: rel, line: 1, column: 1 },
    });
    return undefined;
  }
}

async function collectYamlFiles(dir: string, depth: number): Promise<string[]> {
  if (depth > MAX_DEPTH) return [];
  const entries = await fs.readdir(dir, { withFileTypes: true });
  const out: string[] = [];
  for (const entry of entries) {
    // Upstream reads every YAML file below the scan dir; git metadata and installed packages
    // (a workspace root may be a checkout with node_modules) are never workflow files.
    if (entry.name === '.git' || entry.name === 'node_modules') continue;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await collectYamlFiles(full, depth + 1)));
    else if (entry.isFile() && /\.ya?ml$/i.test(entry.name)) out.push(full);
  }
  return out;
}

/** Path order as upstream sorts paths: component by component, so `a/x` sorts before `a-b/x`. */
function compareByComponents(a: string, b: string): number {
  const pa = a.split(path.sep);
  const pb = b.split(path.sep);
  for (let i = 0; i < Math.min(pa.length, pb.length); i++) {
    if (pa[i] !== pb[i]) return pa[i] < pb[i] ? -1 : 1;
  }
  return pa.length - pb.length;
}

async function isDirectory(p: string): Promise<boolean> {
  const stat = await fs.stat(p).catch(() => undefined);
  return stat?.isDirectory() ?? false;
}

function toPosix(p: string): string {
  return p.split(path.sep).join('/');
}
