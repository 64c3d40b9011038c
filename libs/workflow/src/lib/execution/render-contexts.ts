/**
 * The render contexts of reference §2.15, shared by `stroem run` and the server: job input
 * defaults and connections, the `when`/`for_each` context, the claim-time step context, the
 * prepared action input and the rendered action body.
 */
import type {
  ActionDef,
  ConnectionDef,
  InputFieldDef,
  JsonObject,
  JsonValue,
  WorkspaceConfig,
} from '../model/workflow.model';
import { renderInputMap, renderTemplate } from '../template/render';
import { stepContextKey } from '../template/step-context';
import { isConnectionInput } from './job-input-rules';
import type { StepStatus } from './step-status';

/** What a template sees of an earlier step. */
export interface StepView {
  status: StepStatus;
  output?: JsonValue;
  error?: string;
}

export interface LoopItem {
  item: JsonValue;
  index: number;
  total: number;
}

export type RenderContext = Record<string, JsonValue>;

function secretsOf(config: WorkspaceConfig): JsonObject {
  return config.secrets;
}

function renderDeep(value: JsonValue, context: RenderContext): JsonValue {
  if (typeof value === 'string')
    return value.includes('{{') ? renderTemplate(value, context) : value;
  if (Array.isArray(value)) return value.map((v) => renderDeep(v, context));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, renderDeep(v, context)]));
  }
  return value;
}

/** Replaces a connection name with the connection's values for connection-typed fields. */
function resolveConnections(
  schema: Record<string, InputFieldDef>,
  values: JsonObject,
  connections: Record<string, ConnectionDef>,
): JsonObject {
  const out: JsonObject = { ...values };
  for (const [name, field] of Object.entries(schema)) {
    const value = out[name];
    if (!isConnectionInput(field) || value === undefined || value === null) continue;
    if (typeof value === 'object' && !Array.isArray(value)) continue;
    if (typeof value !== 'string') {
      throw new Error(`input '${name}' must name a connection of type '${field.type}'`);
    }
    const connection = connections[value];
    if (!connection) throw new Error(`input '${name}': connection '${value}' not found`);
    if (connection.type !== undefined && connection.type !== field.type) {
      throw new Error(
        `input '${name}': connection '${value}' has type '${connection.type}', expected '${field.type}'`,
      );
    }
    out[name] = connection.values;
  }
  return out;
}

/** Fills missing values from the schema's defaults (string defaults with `{{` see `secret`). */
function mergeDefaults(
  schema: Record<string, InputFieldDef>,
  values: JsonObject,
  config: WorkspaceConfig,
): JsonObject {
  const out: JsonObject = { ...values };
  for (const [name, field] of Object.entries(schema)) {
    if (out[name] !== undefined || field.default === undefined) continue;
    out[name] = renderDeep(field.default, { secret: secretsOf(config) });
  }
  return out;
}

/** Job input as the server stores it at creation: submitted values, defaults, connections. */
export function prepareJobInput(
  taskInput: Record<string, InputFieldDef>,
  submitted: JsonObject,
  config: WorkspaceConfig,
): JsonObject {
  return resolveConnections(
    taskInput,
    mergeDefaults(taskInput, submitted, config),
    config.connections,
  );
}

function withSecret(
  context: RenderContext,
  config: WorkspaceConfig,
  always: boolean,
): RenderContext {
  const secret = secretsOf(config);
  if (always || Object.keys(secret).length > 0) context['secret'] = secret;
  return context;
}

/**
 * The `when` / `for_each` context: job input, secrets, and every finished flow step —
 * completed `{output}`, skipped/suspended `{output: null}`, failed `{output: null, error}`.
 */
export function conditionContext(
  jobInput: JsonObject,
  steps: ReadonlyMap<string, StepView>,
  config: WorkspaceConfig,
): RenderContext {
  const context: RenderContext = { input: jobInput };
  withSecret(context, config, false);
  for (const [name, view] of steps) {
    const key = stepContextKey(name);
    if (view.status === 'completed') context[key] = { output: view.output ?? null };
    else if (view.status === 'skipped' || view.status === 'suspended')
      context[key] = { output: null };
    else if (view.status === 'failed') context[key] = { output: null, error: view.error ?? null };
  }
  return context;
}

/** The claim-time context of a worker step: job input, secrets, completed steps, `each`. */
export function claimContext(
  jobInput: JsonObject,
  steps: ReadonlyMap<string, StepView>,
  config: WorkspaceConfig,
  loop: LoopItem | undefined,
): RenderContext {
  const context: RenderContext = { input: jobInput };
  withSecret(context, config, false);
  for (const [name, view] of steps) {
    if (view.status === 'completed')
      context[stepContextKey(name)] = { output: view.output ?? null };
  }
  if (loop) context['each'] = { item: loop.item, index: loop.index, total: loop.total };
  return context;
}

/**
 * The action's input at claim time: the rendered step input, then — when the action declares
 * inputs — same-named job input values for missing fields, action defaults and connections.
 */
export function prepareActionInput(
  action: ActionDef,
  stepInput: Record<string, JsonValue>,
  context: RenderContext,
  jobInput: JsonObject,
  config: WorkspaceConfig,
): JsonObject {
  const rendered = Object.keys(stepInput).length > 0 ? renderInputMap(stepInput, context) : {};
  if (Object.keys(action.input).length === 0) return rendered;
  const filled: JsonObject = { ...rendered };
  for (const name of Object.keys(action.input)) {
    const leaked = jobInput[name];
    if (filled[name] === undefined && leaked !== undefined && leaked !== null)
      filled[name] = leaked;
  }
  return resolveConnections(
    action.input,
    mergeDefaults(action.input, filled, config),
    config.connections,
  );
}

/** What a script runner needs of an action, its templates rendered. */
export interface RenderedScriptAction {
  script?: string;
  source?: string;
  language?: string;
  interpreter?: string;
  dependencies?: string[];
  args?: string[];
  env?: Record<string, string>;
}

/** `script`, `source`, `env` values and `args` rendered with the action's own context. */
export function renderActionBody(
  action: ActionDef,
  actionInput: JsonObject,
  context: RenderContext,
  config: WorkspaceConfig,
): RenderedScriptAction {
  const bodyContext = withSecret({ ...context, input: actionInput }, config, true);
  const render = (text: string) => renderTemplate(text, bodyContext);
  return {
    script: action.script !== undefined ? render(action.script) : undefined,
    source: action.source !== undefined ? render(action.source) : undefined,
    language: action.language,
    interpreter: action.interpreter,
    dependencies: action.dependencies,
    args: action.args?.map(render),
    env: action.env
      ? Object.fromEntries(Object.entries(action.env).map(([k, v]) => [k, render(v)]))
      : undefined,
  };
}
