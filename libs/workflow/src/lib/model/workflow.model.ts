/**
 * The workflow YAML model, field for field as upstream Strøm reads it
 * (reference §2.2–2.12). Field names stay snake_case because they are the
 * YAML keys and, later, the JSON the API returns. Durations are held in
 * seconds. Unknown YAML keys are dropped on load, as upstream does.
 */

export type JsonValue = null | boolean | number | string | JsonValue[] | JsonObject;
export interface JsonObject {
  [key: string]: JsonValue;
}

/**
 * The primitive input types; any other `type` names a connection type. `json` (any JSON value)
 * comes from newer upstream versions, whose example workspace uses it.
 */
export const PRIMITIVE_INPUT_TYPES = [
  'string',
  'text',
  'integer',
  'number',
  'boolean',
  'date',
  'datetime',
  'json',
] as const;

export interface InputFieldDef {
  type: string;
  name?: string;
  description?: string;
  required?: boolean;
  secret?: boolean;
  default?: JsonValue;
  options?: string[];
  allow_custom?: boolean;
  multiple?: boolean;
  order?: number;
}

export interface OutputFieldDef {
  type: string;
  description?: string;
  required?: boolean;
  default?: JsonValue;
  options?: JsonValue[];
}

export const ACTION_TYPES = ['script', 'docker', 'pod', 'task', 'agent', 'approval'] as const;
export type ActionType = (typeof ACTION_TYPES)[number];

export type RetryBackoff = 'fixed' | 'exponential';

export interface RetryConfig {
  /** Retries after the first attempt (upstream semantics, reference §2.8). */
  max_attempts: number;
  /** Seconds. */
  delay: number;
  backoff: RetryBackoff;
  jitter: boolean;
}

export interface ResourcesDef {
  cpu?: string;
  memory?: string;
}

/** An agent tool reference: `{task: name}` or `{mcp: server}`. */
export interface AgentToolRef {
  task?: string;
  mcp?: string;
}

export interface ActionDef {
  /** Kept as written: an unknown type is a validation error, not a load error. */
  type: string;
  name?: string;
  description?: string;
  input: Record<string, InputFieldDef>;
  output?: Record<string, OutputFieldDef>;
  env?: Record<string, string>;
  tags: string[];
  workdir?: string;
  resources?: ResourcesDef;
  retry?: RetryConfig;
  // script
  script?: string;
  source?: string;
  runner?: string;
  language?: string;
  dependencies?: string[];
  interpreter?: string;
  args?: string[];
  // docker / pod
  image?: string;
  cmd?: string;
  entrypoint?: string[];
  command?: string[];
  manifest?: JsonValue;
  // task
  task?: string;
  // agent
  provider?: string;
  prompt?: string;
  system_prompt?: string;
  model?: string;
  temperature?: number;
  max_tokens?: number;
  tools?: AgentToolRef[];
  max_turns?: number;
  interactive?: boolean;
  // approval
  message?: string;
}

export interface FlowStep {
  /** The action this step runs; inline steps point at their hoisted `_inline:{task}:{step}` action. */
  action: string;
  /** True when the step defined its action inline (`type:` instead of `action:`). */
  inline?: boolean;
  name?: string;
  description?: string;
  depends_on: string[];
  input: Record<string, JsonValue>;
  continue_on_failure: boolean;
  /** Seconds. */
  timeout?: number;
  when?: string;
  for_each?: string | JsonValue[];
  sequential: boolean;
  retry?: RetryConfig;
}

export interface HookDef {
  action: string;
  input: Record<string, JsonValue>;
}

export interface TaskDef {
  name?: string;
  description?: string;
  mode: string;
  folder?: string;
  input: Record<string, InputFieldDef>;
  flow: Record<string, FlowStep>;
  /** Seconds. */
  timeout?: number;
  retry?: RetryConfig;
  on_success: HookDef[];
  on_error: HookDef[];
  on_suspended: HookDef[];
  on_cancel: HookDef[];
}

export interface SchedulerTrigger {
  type: 'scheduler';
  cron: string;
  task: string;
  input: Record<string, JsonValue>;
  enabled: boolean;
  concurrency: string;
  timezone?: string;
  force_refresh: boolean;
}

export interface WebhookTrigger {
  type: 'webhook';
  name: string;
  task: string;
  secret?: string;
  input: Record<string, JsonValue>;
  enabled: boolean;
  mode: string;
  timeout_secs: number;
  force_refresh: boolean;
}

export interface EventSourceTrigger {
  type: 'event_source';
  task: string;
  target_task: string;
  enabled: boolean;
  input: Record<string, JsonValue>;
  env?: Record<string, string>;
  restart_policy: string;
  backoff_secs: number;
  max_in_flight?: number;
}

export type TriggerDef = SchedulerTrigger | WebhookTrigger | EventSourceTrigger;

export interface ConnectionPropertyDef {
  type: string;
  required: boolean;
  default?: JsonValue;
  secret: boolean;
}

/** A connection: an optional `type` plus its flattened property values. */
export interface ConnectionDef {
  type?: string;
  values: Record<string, JsonValue>;
}

export interface McpServerDef {
  transport: string;
  command?: string;
  args?: string[];
  url?: string;
  auth_token?: string;
  env: Record<string, string>;
  timeout_secs?: number;
}

export const HOOK_EVENTS = ['on_success', 'on_error', 'on_suspended', 'on_cancel'] as const;
export type HookEvent = (typeof HOOK_EVENTS)[number];

export interface WorkspaceConfig {
  secrets: Record<string, JsonValue>;
  connection_types: Record<string, Record<string, ConnectionPropertyDef>>;
  connections: Record<string, ConnectionDef>;
  actions: Record<string, ActionDef>;
  tasks: Record<string, TaskDef>;
  triggers: Record<string, TriggerDef>;
  on_success: HookDef[];
  on_error: HookDef[];
  on_suspended: HookDef[];
  on_cancel: HookDef[];
  mcp_servers: Record<string, McpServerDef>;
}

export function emptyWorkspaceConfig(): WorkspaceConfig {
  return {
    secrets: {},
    connection_types: {},
    connections: {},
    actions: {},
    tasks: {},
    triggers: {},
    on_success: [],
    on_error: [],
    on_suspended: [],
    on_cancel: [],
    mcp_servers: {},
  };
}

/** The synthetic action name an inline flow step is hoisted to. */
export function inlineActionName(task: string, step: string): string {
  return `_inline:${task}:${step}`;
}
