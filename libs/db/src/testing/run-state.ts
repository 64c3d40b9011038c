/** What globalTeardown must undo; globalSetup and globalTeardown share the jest parent process. */
export interface RunState {
  adminUrl: string;
  template: string;
  stopServer?: () => Promise<void>;
  dataRoot?: string;
}

const KEY = '__stroemTestDatabaseRun';

export function setRunState(state: RunState): void {
  (globalThis as Record<string, unknown>)[KEY] = state;
}

export function takeRunState(): RunState | undefined {
  const g = globalThis as Record<string, unknown>;
  const state = g[KEY] as RunState | undefined;
  delete g[KEY];
  return state;
}
