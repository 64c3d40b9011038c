import type { YamlPath } from '../diagnostics';
import type {
  ActionDef,
  AgentToolRef,
  ConnectionDef,
  ConnectionPropertyDef,
  FlowStep,
  HookDef,
  InputFieldDef,
  JsonObject,
  JsonValue,
  McpServerDef,
  OutputFieldDef,
  RetryConfig,
  TaskDef,
  TriggerDef,
  WorkspaceConfig,
} from '../model/workflow.model';
import { emptyWorkspaceConfig, HOOK_EVENTS, inlineActionName } from '../model/workflow.model';
import type { FieldReader } from './field-reader';
import { describe, isPlainObject } from './field-reader';

/** Keys that belong to the flow step itself; every other key of an inline step is the action's. */
const STEP_KEYS = new Set([
  'action',
  'name',
  'description',
  'depends_on',
  'input',
  'continue_on_failure',
  'timeout',
  'when',
  'for_each',
  'sequential',
  'retry',
]);

export interface InlineOrigin {
  task: string;
  step: string;
}

export interface FileContents {
  config: WorkspaceConfig;
  /** Hoisted inline actions and the step that defined each. */
  inlineActions: Map<string, InlineOrigin>;
}

/** Reads one file's top-level mapping into the workspace model (reference §2.2–§2.11). */
export function readWorkflowFile(doc: JsonObject, r: FieldReader): FileContents {
  const config = emptyWorkspaceConfig();
  const inlineActions = new Map<string, InlineOrigin>();

  const secrets = r.map(doc['secrets'], ['secrets']);
  if (secrets) config.secrets = { ...secrets };

  for (const [name, def] of r.entries(doc['connection_types'], ['connection_types'])) {
    config.connection_types[name] = readConnectionType(def, ['connection_types', name], r);
  }
  for (const [name, def] of r.entries(doc['connections'], ['connections'])) {
    config.connections[name] = readConnection(def, ['connections', name], r);
  }
  for (const [name, def] of r.entries(doc['actions'], ['actions'])) {
    const action = readAction(def, ['actions', name], r);
    if (action) config.actions[name] = action;
  }
  for (const [name, def] of r.entries(doc['tasks'], ['tasks'])) {
    config.tasks[name] = readTask(name, def, ['tasks', name], r, (step, action) => {
      const actionName = inlineActionName(name, step);
      config.actions[actionName] = action;
      inlineActions.set(actionName, { task: name, step });
      return actionName;
    });
  }
  for (const [name, def] of r.entries(doc['triggers'], ['triggers'])) {
    const trigger = readTrigger(def, ['triggers', name], r);
    if (trigger) config.triggers[name] = trigger;
  }
  for (const event of HOOK_EVENTS) {
    config[event] = readHooks(doc[event], [event], r);
  }
  for (const [name, def] of r.entries(doc['mcp_servers'], ['mcp_servers'])) {
    const server = readMcpServer(def, ['mcp_servers', name], r);
    if (server) config.mcp_servers[name] = server;
  }
  return { config, inlineActions };
}

function readInputSchema(
  value: unknown,
  path: YamlPath,
  r: FieldReader,
): Record<string, InputFieldDef> {
  const out: Record<string, InputFieldDef> = {};
  for (const [name, def] of r.entries(value, path)) {
    const field = readInputField(def, [...path, name], r);
    if (field) out[name] = field;
  }
  return out;
}

function readInputField(
  def: JsonObject,
  path: YamlPath,
  r: FieldReader,
): InputFieldDef | undefined {
  const type = r.requiredString(def, 'type', path, 'input field');
  if (type === undefined) return undefined;
  const field: InputFieldDef = { type: normaliseBool(type) };
  assignDefined(field, {
    name: r.string(def, 'name', path),
    description: r.string(def, 'description', path),
    required: r.bool(def, 'required', path),
    secret: r.bool(def, 'secret', path),
    options: r.stringList(def, 'options', path),
    allow_custom: r.bool(def, 'allow_custom', path),
    multiple: r.bool(def, 'multiple', path),
    order: r.integer(def, 'order', path),
  });
  if (def['default'] !== undefined && def['default'] !== null) field.default = def['default'];
  return field;
}

/**
 * Whether a step input entry is itself a field definition (upstream tries InputFieldDef first):
 * a mapping with a string `type` whose known fields all have the right shape.
 */
function looksLikeInputField(value: JsonValue): value is JsonObject {
  if (!isPlainObject(value) || typeof value['type'] !== 'string') return false;
  const ok = (key: string, check: (v: unknown) => boolean): boolean =>
    value[key] === undefined || value[key] === null || check(value[key]);
  const isStr = (v: unknown): boolean => typeof v === 'string';
  const isBool = (v: unknown): boolean => typeof v === 'boolean';
  return (
    ok('name', isStr) &&
    ok('description', isStr) &&
    ok('required', isBool) &&
    ok('secret', isBool) &&
    ok('allow_custom', isBool) &&
    ok('multiple', isBool) &&
    ok('order', (v) => typeof v === 'number' && Number.isInteger(v)) &&
    ok('options', (v) => Array.isArray(v) && v.every(isStr))
  );
}

function readOutputSchema(
  value: unknown,
  path: YamlPath,
  r: FieldReader,
): Record<string, OutputFieldDef> | undefined {
  if (value === undefined || value === null) return undefined;
  const out: Record<string, OutputFieldDef> = {};
  for (const [name, def] of r.entries(value, path)) {
    const p = [...path, name];
    const type = r.requiredString(def, 'type', p, 'output field');
    if (type === undefined) continue;
    const field: OutputFieldDef = { type: normaliseBool(type) };
    assignDefined(field, {
      description: r.string(def, 'description', p),
      required: r.bool(def, 'required', p),
    });
    if (def['default'] !== undefined && def['default'] !== null) field.default = def['default'];
    const options = def['options'];
    if (options !== undefined && options !== null) {
      if (Array.isArray(options)) field.options = options;
      else r.error([...p, 'options'], `expected a list, found ${describe(options)}`);
    }
    out[name] = field;
  }
  return out;
}

function readRetry(
  def: JsonObject,
  key: string,
  path: YamlPath,
  r: FieldReader,
): RetryConfig | undefined {
  const obj = r.map(def[key], [...path, key]);
  if (!obj) return undefined;
  const p = [...path, key];
  const backoff = r.string(obj, 'backoff', p) ?? 'fixed';
  if (backoff !== 'fixed' && backoff !== 'exponential') {
    r.error([...p, 'backoff'], `unknown backoff '${backoff}' (expected fixed or exponential)`);
  }
  return {
    max_attempts: r.unsigned(obj, 'max_attempts', p) ?? 3,
    delay: r.duration(obj, 'delay', p) ?? 30,
    backoff: backoff === 'exponential' ? 'exponential' : 'fixed',
    jitter: r.bool(obj, 'jitter', p) ?? false,
  };
}

function readAction(def: JsonObject, path: YamlPath, r: FieldReader): ActionDef | undefined {
  const type = r.requiredString(def, 'type', path, 'action');
  if (type === undefined) return undefined;
  return readActionFields(type, def, path, r);
}

function readActionFields(
  type: string,
  def: JsonObject,
  path: YamlPath,
  r: FieldReader,
): ActionDef {
  const action: ActionDef = {
    type,
    input: readInputSchema(def['input'], [...path, 'input'], r),
    tags: [...new Set(r.stringList(def, 'tags', path) ?? [])],
  };
  const resources = r.map(def['resources'], [...path, 'resources']);
  assignDefined(action, {
    name: r.string(def, 'name', path),
    description: r.string(def, 'description', path),
    output: readOutputSchema(def['output'], [...path, 'output'], r),
    env: r.stringMap(def, 'env', path),
    workdir: r.string(def, 'workdir', path),
    resources: resources
      ? pickDefined({
          cpu: r.string(resources, 'cpu', [...path, 'resources']),
          memory: r.string(resources, 'memory', [...path, 'resources']),
        })
      : undefined,
    retry: readRetry(def, 'retry', path, r),
    script: r.string(def, 'script', path),
    source: r.string(def, 'source', path),
    runner: r.string(def, 'runner', path),
    language: r.string(def, 'language', path),
    dependencies: r.stringList(def, 'dependencies', path),
    interpreter: r.string(def, 'interpreter', path),
    args: r.stringList(def, 'args', path),
    image: r.string(def, 'image', path),
    cmd: r.string(def, 'cmd', path),
    entrypoint: r.stringList(def, 'entrypoint', path),
    command: r.stringList(def, 'command', path),
    task: r.string(def, 'task', path),
    provider: r.string(def, 'provider', path),
    prompt: r.string(def, 'prompt', path),
    system_prompt: r.string(def, 'system_prompt', path),
    model: r.string(def, 'model', path),
    temperature: r.number(def, 'temperature', path),
    max_tokens: r.unsigned(def, 'max_tokens', path),
    tools: readAgentTools(def, path, r),
    max_turns: r.unsigned(def, 'max_turns', path),
    interactive: r.bool(def, 'interactive', path),
    message: r.string(def, 'message', path),
  });
  if (def['manifest'] !== undefined && def['manifest'] !== null) action.manifest = def['manifest'];
  return action;
}

function readAgentTools(
  def: JsonObject,
  path: YamlPath,
  r: FieldReader,
): AgentToolRef[] | undefined {
  const v = def['tools'];
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v)) {
    r.error([...path, 'tools'], `expected a list of {task: …} or {mcp: …}, found ${describe(v)}`);
    return undefined;
  }
  const out: AgentToolRef[] = [];
  v.forEach((item, i) => {
    const p = [...path, 'tools', i];
    if (!isPlainObject(item)) {
      r.error(p, `expected {task: …} or {mcp: …}, found ${describe(item)}`);
      return;
    }
    const obj = item as JsonObject;
    const task = r.string(obj, 'task', p);
    const mcp = r.string(obj, 'mcp', p);
    if (task === undefined && mcp === undefined) {
      r.error(p, 'an agent tool needs either `task:` or `mcp:`');
      return;
    }
    out.push(task !== undefined ? { task } : { mcp });
  });
  return out;
}

function readTask(
  taskName: string,
  def: JsonObject,
  path: YamlPath,
  r: FieldReader,
  hoist: (step: string, action: ActionDef) => string,
): TaskDef {
  const task: TaskDef = {
    mode: r.string(def, 'mode', path) ?? 'distributed',
    input: readInputSchema(def['input'], [...path, 'input'], r),
    flow: {},
    on_success: readHooks(def['on_success'], [...path, 'on_success'], r),
    on_error: readHooks(def['on_error'], [...path, 'on_error'], r),
    on_suspended: readHooks(def['on_suspended'], [...path, 'on_suspended'], r),
    on_cancel: readHooks(def['on_cancel'], [...path, 'on_cancel'], r),
  };
  assignDefined(task, {
    name: r.string(def, 'name', path),
    description: r.string(def, 'description', path),
    folder: r.string(def, 'folder', path),
    timeout: r.duration(def, 'timeout', path),
    retry: readRetry(def, 'retry', path, r),
  });
  if (def['flow'] === undefined || def['flow'] === null) {
    if (!('flow' in def)) r.error(path, `task '${taskName}' is missing the required field 'flow'`);
  }
  for (const [stepName, stepDef] of r.entries(def['flow'], [...path, 'flow'])) {
    const step = readFlowStep(stepName, stepDef, [...path, 'flow', stepName], r, hoist);
    if (step) task.flow[stepName] = step;
  }
  return task;
}

function readFlowStep(
  stepName: string,
  def: JsonObject,
  path: YamlPath,
  r: FieldReader,
  hoist: (step: string, action: ActionDef) => string,
): FlowStep | undefined {
  const hasAction = def['action'] !== undefined && def['action'] !== null;
  const hasType = def['type'] !== undefined && def['type'] !== null;
  if (hasAction && hasType) {
    r.error(
      path,
      'a flow step has either `action:` (a named action) or `type:` (an inline action), not both',
    );
  } else if (!hasAction && !hasType) {
    r.error(
      path,
      `flow step '${stepName}' needs either \`action:\` (a named action) or \`type:\` (an inline action)`,
    );
    return undefined;
  }

  const forEach = def['for_each'];
  let for_each: FlowStep['for_each'];
  if (typeof forEach === 'string' || Array.isArray(forEach)) for_each = forEach;
  else if (forEach !== undefined && forEach !== null) {
    r.error(
      [...path, 'for_each'],
      `expected a template string or a list, found ${describe(forEach)}`,
    );
  }

  const rawInput = r.jsonMap(def, 'input', path);
  const step: FlowStep = {
    action: '',
    depends_on: r.stringList(def, 'depends_on', path) ?? [],
    input: rawInput,
    continue_on_failure: r.bool(def, 'continue_on_failure', path) ?? false,
    sequential: r.bool(def, 'sequential', path) ?? false,
  };
  assignDefined(step, {
    name: r.string(def, 'name', path),
    description: r.string(def, 'description', path),
    timeout: r.duration(def, 'timeout', path),
    when: r.string(def, 'when', path),
    for_each,
    retry: readRetry(def, 'retry', path, r),
  });

  if (hasAction) {
    step.action = r.string(def, 'action', path) ?? '';
    return step;
  }

  // Inline action: every non-step key is the action's; input entries that are full field
  // definitions become the action's input schema, the rest stay step input values.
  const actionDef: JsonObject = {};
  for (const [key, value] of Object.entries(def)) {
    if (!STEP_KEYS.has(key)) actionDef[key] = value;
  }
  const schema: JsonObject = {};
  const values: Record<string, JsonValue> = {};
  for (const [key, value] of Object.entries(rawInput)) {
    if (looksLikeInputField(value)) schema[key] = value;
    else values[key] = value;
  }
  actionDef['input'] = schema;
  const type = r.string(def, 'type', path) ?? '';
  const action = readActionFields(type, actionDef, path, r);
  step.input = values;
  step.inline = true;
  step.action = hoist(stepName, action);
  return step;
}

function readHooks(value: unknown, path: YamlPath, r: FieldReader): HookDef[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) {
    r.error(path, `expected a list of hooks ({action, input}), found ${describe(value)}`);
    return [];
  }
  const hooks: HookDef[] = [];
  value.forEach((item, i) => {
    const p = [...path, i];
    if (!isPlainObject(item)) {
      r.error(p, `expected a hook ({action, input}), found ${describe(item)}`);
      return;
    }
    const obj = item as JsonObject;
    const action = r.requiredString(obj, 'action', p, 'hook');
    if (action !== undefined) hooks.push({ action, input: r.jsonMap(obj, 'input', p) });
  });
  return hooks;
}

function readTrigger(def: JsonObject, path: YamlPath, r: FieldReader): TriggerDef | undefined {
  const type = r.requiredString(def, 'type', path, 'trigger');
  if (type === undefined) return undefined;
  const input = r.jsonMap(def, 'input', path);
  const enabled = r.bool(def, 'enabled', path) ?? true;
  const force_refresh = r.bool(def, 'force_refresh', path) ?? false;
  switch (type) {
    case 'scheduler': {
      const cron = r.requiredString(def, 'cron', path, 'scheduler trigger');
      const task = r.requiredString(def, 'task', path, 'scheduler trigger');
      if (cron === undefined || task === undefined) return undefined;
      return pickDefined({
        type,
        cron,
        task,
        input,
        enabled,
        concurrency: r.string(def, 'concurrency', path) ?? 'allow',
        timezone: r.string(def, 'timezone', path),
        force_refresh,
      });
    }
    case 'webhook': {
      const name = r.requiredString(def, 'name', path, 'webhook trigger');
      const task = r.requiredString(def, 'task', path, 'webhook trigger');
      if (name === undefined || task === undefined) return undefined;
      return pickDefined({
        type,
        name,
        task,
        secret: r.string(def, 'secret', path),
        input,
        enabled,
        mode: r.string(def, 'mode', path) ?? 'async',
        timeout_secs: r.unsigned(def, 'timeout_secs', path) ?? 30,
        force_refresh,
      });
    }
    case 'event_source': {
      const task = r.requiredString(def, 'task', path, 'event_source trigger');
      const target = r.requiredString(def, 'target_task', path, 'event_source trigger');
      if (task === undefined || target === undefined) return undefined;
      return pickDefined({
        type,
        task,
        target_task: target,
        enabled,
        input,
        env: r.stringMap(def, 'env', path),
        restart_policy: r.string(def, 'restart_policy', path) ?? 'always',
        backoff_secs: r.unsigned(def, 'backoff_secs', path) ?? 5,
        max_in_flight: r.unsigned(def, 'max_in_flight', path),
      });
    }
    default:
      r.error(
        [...path, 'type'],
        `unknown trigger type '${type}' (expected scheduler, webhook or event_source)`,
      );
      return undefined;
  }
}

function readConnectionType(
  def: JsonObject,
  path: YamlPath,
  r: FieldReader,
): Record<string, ConnectionPropertyDef> {
  const props: Record<string, ConnectionPropertyDef> = {};
  for (const [name, prop] of r.entries(def, path)) {
    const p = [...path, name];
    // No `bool` alias here: upstream does not normalise it for connection types (§2.18 #17).
    const type = r.requiredString(prop, 'type', p, 'connection property');
    if (type === undefined) continue;
    props[name] = {
      type,
      required: r.bool(prop, 'required', p) ?? false,
      secret: r.bool(prop, 'secret', p) ?? false,
    };
    if (prop['default'] !== undefined && prop['default'] !== null)
      props[name].default = prop['default'];
  }
  return props;
}

function readConnection(def: JsonObject, path: YamlPath, r: FieldReader): ConnectionDef {
  const connection: ConnectionDef = { values: {} };
  const type = r.string(def, 'type', path);
  if (type !== undefined) connection.type = type;
  for (const [key, value] of Object.entries(def)) {
    if (key !== 'type') connection.values[key] = value;
  }
  return connection;
}

function readMcpServer(def: JsonObject, path: YamlPath, r: FieldReader): McpServerDef | undefined {
  const transport = r.requiredString(def, 'transport', path, 'MCP server');
  if (transport === undefined) return undefined;
  return pickDefined({
    transport,
    command: r.string(def, 'command', path),
    args: r.stringList(def, 'args', path),
    url: r.string(def, 'url', path),
    auth_token: r.string(def, 'auth_token', path),
    env: r.stringMap(def, 'env', path) ?? {},
    timeout_secs: r.unsigned(def, 'timeout_secs', path),
  });
}

function normaliseBool(type: string): string {
  return type === 'bool' ? 'boolean' : type;
}

/** Copies the defined entries of `values` onto `target` (keeps absent optionals absent). */
function assignDefined<T extends object>(target: T, values: Partial<T>): void {
  for (const [k, v] of Object.entries(values)) {
    if (v !== undefined) (target as Record<string, unknown>)[k] = v;
  }
}

function pickDefined<T extends object>(values: T): T {
  const out = {} as T;
  assignDefined(out, values);
  return out;
}
