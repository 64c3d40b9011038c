export type {
  LogLine,
  Runner,
  RunnableAction,
  RunRequest,
  RunResult,
  StepIdentity,
} from './lib/runner';
export { ShellRunner, type ShellRunnerOptions } from './lib/shell-runner';
export { normaliseLanguage, ScriptSetupError, type ScriptLanguage } from './lib/script-command';
