import type { Diagnostic } from '../diagnostics';
import { sortDiagnostics } from '../diagnostics';
import type { LoadedWorkspace } from '../loader/loaded-workspace';
import { actionRules } from './action.rules';
import { mcpServerRules } from './agent.rules';
import { connectionRules } from './connection.rules';
import { hookRules } from './hook.rules';
import { inputRules } from './input.rules';
import { secretRules } from './secret.rules';
import { taskRules } from './task.rules';
import { triggerRules } from './trigger.rules';
import type { ValidateWorkspaceOptions } from './validation-context';
import { ValidationContext } from './validation-context';

export type { ValidateWorkspaceOptions } from './validation-context';

/**
 * Everything `stroem validate` checks (reference §2.13), as located diagnostics: errors where
 * upstream rejects the workspace, warnings where it accepts it with a remark. Unlike upstream,
 * which stops at the first error, every problem is reported. Load-time problems (YAML syntax,
 * wrong shapes, bad durations) are in `ws.diagnostics`, not repeated here.
 * The result is ordered by file, line and column; problems without a location come last.
 */
export function validateWorkspace(
  ws: LoadedWorkspace,
  options: ValidateWorkspaceOptions = {},
): Diagnostic[] {
  const ctx = new ValidationContext(ws, options);
  actionRules(ctx);
  taskRules(ctx);
  hookRules(ctx);
  triggerRules(ctx);
  inputRules(ctx);
  connectionRules(ctx);
  secretRules(ctx);
  mcpServerRules(ctx);
  return sortDiagnostics(ctx.diagnostics);
}
