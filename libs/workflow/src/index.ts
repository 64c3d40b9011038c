export * from './lib/model/workflow.model';
export * from './lib/diagnostics';
export type { LoadedWorkspace } from './lib/loader/loaded-workspace';
export { loadWorkspace, WorkspaceNotFoundError } from './lib/loader/workspace-loader';
export type { LoadWorkspaceOptions } from './lib/loader/workspace-loader';
export { parseDuration } from './lib/loader/duration';
export type { DurationResult } from './lib/loader/duration';
export * from './lib/protocol/stdout-protocol';
export * from './lib/execution/step-status';
export * from './lib/execution/promotion';
export * from './lib/execution/job-verdict';
export * from './lib/execution/for-each-loop';
export { findCycle, terminalSteps, topologicalOrder } from './lib/dag/dag';
export type { FlowGraph } from './lib/dag/dag';
export { validateWorkspace } from './lib/validation/validate-workspace';
export type { ValidateWorkspaceOptions } from './lib/validation/validate-workspace';
export { checkCronExpression, isIanaTimezone } from './lib/validation/cron-expression';
export {
  TemplateError,
  renderTemplate,
  renderInputMap,
  checkTemplateSyntax,
} from './lib/template/render';
export { isTruthy, evaluateCondition } from './lib/template/condition';
export { evaluateForEach, ForEachError, MAX_FOR_EACH_ITEMS } from './lib/template/for-each';
export { stepContextKey } from './lib/template/step-context';
export { didYouMean, nearNames } from './lib/suggest';
export * from './lib/execution/render-contexts';
export * from './lib/execution/retry-policy';
export * from './lib/execution/job-input-rules';
export {
  DEFAULT_TRIGGER_TIMEZONE,
  formatInTimezone,
  nextRun,
  nextRuns,
  previousRun,
  safeNextRuns,
} from './lib/schedule/next-runs';
