import type { ActionDef } from '../model/workflow.model';
import { checkTemplateSyntax } from '../template/render';
import { forbidFields, PROCESS_FIELDS, requireField } from './action-fields';
import { nameCollisions } from './name-collisions';
import type { ValidationContext } from './validation-context';

const MCP_TRANSPORTS = ['stdio', 'sse'];

/** `type: agent` actions (reference §2.5, §2.13 "agent: …"). */
export function agentActionRules(
  ctx: ValidationContext,
  path: readonly string[],
  action: ActionDef,
): void {
  requireField(ctx, path, action, 'provider', ' (an LLM provider id from the server config)');
  requireField(ctx, path, action, 'prompt');
  forbidFields(ctx, path, action, PROCESS_FIELDS, (f) =>
    f === 'task' ? ` (give the agent tasks through 'tools: [{task: …}]')` : '',
  );

  const { temperature, max_turns: maxTurns } = action;
  if (temperature !== undefined && !(temperature >= 0 && temperature <= 2)) {
    ctx.error([...path, 'temperature'], `temperature ${temperature} is out of range (0.0..2.0)`);
  }
  if (maxTurns !== undefined && !(Number.isInteger(maxTurns) && maxTurns >= 1 && maxTurns <= 100)) {
    ctx.error([...path, 'max_turns'], `max_turns ${maxTurns} is out of range (1..100)`);
  }
  for (const field of ['prompt', 'system_prompt'] as const) {
    const template = action[field];
    const problem = template === undefined ? undefined : checkTemplateSyntax(template);
    if (problem !== undefined) ctx.error([...path, field], `invalid ${field} template: ${problem}`);
  }

  const tools = action.tools ?? [];
  const interactive = action.interactive === true;
  if (maxTurns !== undefined && tools.length === 0 && !interactive) {
    ctx.warn(
      [...path, 'max_turns'],
      'max_turns has no effect: the agent has no tools, so it answers in a single turn',
    );
  }
  if (interactive && tools.length === 0) {
    ctx.warn(
      [...path, 'interactive'],
      'interactive agent without tools: it can ask the user but has no task or MCP tools',
    );
  }
  if (interactive && tools.length > 0 && maxTurns === undefined) {
    ctx.warn(
      [...path, 'interactive'],
      'interactive agent with tools but no max_turns: set max_turns to bound the conversation',
    );
  }
  tools.forEach((tool, i) => {
    const toolPath = [...path, 'tools', i];
    if (tool.task !== undefined) {
      if (tool.task === '') ctx.error([...toolPath, 'task'], 'tool task reference is empty');
      else if (!tool.task.includes('.') && !Object.hasOwn(ctx.config.tasks, tool.task)) {
        ctx.warn([...toolPath, 'task'], `tool refers to unknown task '${tool.task}'`);
      }
    }
    if (tool.mcp !== undefined) {
      if (tool.mcp === '') ctx.error([...toolPath, 'mcp'], 'tool MCP server reference is empty');
      else if (!Object.hasOwn(ctx.config.mcp_servers, tool.mcp)) {
        ctx.warn([...toolPath, 'mcp'], `tool refers to unknown MCP server '${tool.mcp}'`);
      }
    }
  });
}

/** `mcp_servers` (reference §2.11) and their names after `-` → `_` (agent tool prefixes). */
export function mcpServerRules(ctx: ValidationContext): void {
  for (const [name, server] of Object.entries(ctx.config.mcp_servers)) {
    const path = ['mcp_servers', name];
    if (server.transport === 'stdio') {
      if (server.command === undefined) {
        ctx.error(path, `MCP server with transport stdio is missing 'command'`);
      }
      if (server.url !== undefined) {
        ctx.error([...path, 'url'], `'url' is only valid with transport sse`);
      }
    } else if (server.transport === 'sse') {
      if (server.url === undefined) {
        ctx.error(path, `MCP server with transport sse is missing 'url'`);
      } else if (!isHttpUrl(server.url)) {
        ctx.error([...path, 'url'], `url must be a valid http or https URL, got '${server.url}'`);
      }
      if (server.command !== undefined) {
        ctx.warn([...path, 'command'], `'command' is ignored with transport sse`);
      }
      if (server.args !== undefined) {
        ctx.warn([...path, 'args'], `'args' is ignored with transport sse`);
      }
    } else {
      ctx.error(
        [...path, 'transport'],
        `unknown transport '${server.transport}' (expected: ${MCP_TRANSPORTS.join(', ')})`,
      );
    }
  }
  for (const [first, second, normalised] of nameCollisions(Object.keys(ctx.config.mcp_servers))) {
    ctx.error(
      ['mcp_servers', second],
      `MCP server names '${first}' and '${second}' are both '${normalised}' once '-' becomes '_' (agent tool prefixes would collide); rename one`,
    );
  }
}

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}
