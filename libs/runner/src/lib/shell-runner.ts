/**
 * Runs script actions as local processes, each in its own process group so that a cancel or a
 * timeout kills every descendant (SIGTERM, then SIGKILL after a grace period).
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { StdoutProtocolCollector } from '@stroem/workflow';
import { LineSplitter } from './line-splitter';
import { killProcessGroup, spawnProcessGroup } from './process-group';
import {
  stepFolderEnv,
  type LogLine,
  type RunRequest,
  type RunResult,
  type Runner,
} from './runner';
import { buildScriptCommand, ScriptSetupError } from './script-command';

/** Variables of the calling environment a step inherits; everything else comes from the action. */
const INHERITED_ENV = ['PATH', 'HOME', 'USER', 'LANG', 'LC_ALL', 'TMPDIR', 'TZ'] as const;

export interface ShellRunnerOptions {
  /** How long a SIGTERM'd process group gets before SIGKILL. Default 5000 ms. */
  killGraceMs?: number;
  /** The environment PATH/HOME… are inherited from. Default `process.env`. */
  baseEnv?: NodeJS.ProcessEnv;
}

interface ProcessOutcome {
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
  collector: StdoutProtocolCollector;
  stoppedBy?: 'timeout' | 'cancel';
  spawnError?: Error;
}

export class ShellRunner implements Runner {
  private readonly killGraceMs: number;
  private readonly baseEnv: NodeJS.ProcessEnv;

  constructor(options: ShellRunnerOptions = {}) {
    this.killGraceMs = options.killGraceMs ?? 5000;
    this.baseEnv = options.baseEnv ?? process.env;
  }

  async run(request: RunRequest): Promise<RunResult> {
    const env = this.buildEnv(request);
    let command;
    try {
      command = buildScriptCommand(request.action, request.workspaceDir, env);
    } catch (err) {
      if (err instanceof ScriptSetupError) return failure(err.message);
      throw err;
    }

    const runEnv = { ...env, ...command.env };
    try {
      if (command.scriptFile) {
        // owner-only: rendered scripts may hold secrets
        await mkdir(dirname(command.scriptFile.path), { recursive: true });
        await writeFile(command.scriptFile.path, command.scriptFile.content, { mode: 0o600 });
      }
      for (const step of command.prepare) {
        const prep = await this.runProcess(step.command, step.args, runEnv, request);
        const result = toResult(prep, request, step.command);
        if (result.error) return { ...result, error: `Dependency install failed: ${result.error}` };
      }
      const outcome = await this.runProcess(command.command, command.args, runEnv, request);
      return toResult(outcome, request, command.command);
    } finally {
      for (const path of command.cleanup) await rm(path, { recursive: true, force: true });
    }
  }

  private buildEnv(request: RunRequest): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = {};
    for (const key of INHERITED_ENV) {
      const value = this.baseEnv[key];
      if (value !== undefined) env[key] = value;
    }
    env['PYTHONUNBUFFERED'] = '1';
    Object.assign(env, request.action.env ?? {});
    if (request.folders) Object.assign(env, stepFolderEnv(request.folders));
    env['STROEM_JOB_ID'] = request.step.jobId;
    env['STROEM_TASK_NAME'] = request.step.taskName;
    env['STROEM_STEP_NAME'] = request.step.stepName;
    env['STROEM_WORKSPACE'] = request.step.workspace;
    return env;
  }

  private runProcess(
    command: string,
    args: string[],
    env: NodeJS.ProcessEnv,
    request: RunRequest,
  ): Promise<ProcessOutcome> {
    const outcome: ProcessOutcome = {
      code: null,
      signal: null,
      stderr: '',
      collector: new StdoutProtocolCollector(),
    };
    if (request.signal?.aborted) return Promise.resolve({ ...outcome, stoppedBy: 'cancel' });

    return new Promise((resolve) => {
      const child = spawnProcessGroup(command, args, { cwd: request.workspaceDir, env });
      let killing: Promise<void> | undefined;
      const stop = (reason: 'timeout' | 'cancel') => {
        if (outcome.stoppedBy || child.pid === undefined) return;
        outcome.stoppedBy = reason;
        killing = killProcessGroup(child.pid, this.killGraceMs);
      };
      const onAbort = () => stop('cancel');
      request.signal?.addEventListener('abort', onAbort, { once: true });
      const timer =
        request.timeoutSeconds !== undefined
          ? setTimeout(() => stop('timeout'), request.timeoutSeconds * 1000)
          : undefined;
      if (child.pid !== undefined) request.onStart?.(child.pid);

      const emit = (stream: LogLine['stream'], text: string) => {
        if (stream === 'stdout') outcome.collector.accept(text);
        request.onLog?.({ stream, text, at: new Date() });
      };
      const pipe = (stream: LogLine['stream'], source: NodeJS.ReadableStream | null) => {
        const splitter = new LineSplitter();
        source?.setEncoding('utf8');
        source?.on('data', (chunk: string) => {
          if (stream === 'stderr') outcome.stderr += chunk;
          for (const line of splitter.push(chunk)) emit(stream, line);
        });
        source?.on('end', () => {
          for (const line of splitter.flush()) emit(stream, line);
        });
      };
      pipe('stdout', child.stdout);
      pipe('stderr', child.stderr);

      let settled = false;
      const finish = async () => {
        if (settled) return;
        settled = true;
        if (timer) clearTimeout(timer);
        request.signal?.removeEventListener('abort', onAbort);
        if (killing) await killing;
        resolve(outcome);
      };
      child.on('error', (err) => {
        outcome.spawnError = err;
        if (child.pid === undefined) void finish();
      });
      child.on('close', (code, signal) => {
        outcome.code = code;
        outcome.signal = signal;
        void finish();
      });
    });
  }
}

function failure(error: string): RunResult {
  return { exitCode: -1, output: null, stderr: '', error };
}

function toResult(outcome: ProcessOutcome, request: RunRequest, command: string): RunResult {
  const base = {
    output: outcome.collector.output,
    stderr: outcome.stderr,
    state: outcome.collector.state,
    globalState: outcome.collector.globalState,
  };
  if (outcome.spawnError) {
    return {
      ...base,
      exitCode: -1,
      error: `Failed to start '${command}': ${outcome.spawnError.message}`,
    };
  }
  if (outcome.stoppedBy === 'timeout') {
    return { ...base, exitCode: -1, error: `Step timed out after ${request.timeoutSeconds}s` };
  }
  if (outcome.stoppedBy === 'cancel') return { ...base, exitCode: -1, error: 'Job cancelled' };
  if (outcome.code === 0) return { ...base, exitCode: 0 };
  if (outcome.code === null) {
    return {
      ...base,
      exitCode: -1,
      error: `Killed by signal ${outcome.signal}\nStderr: ${outcome.stderr}`,
    };
  }
  return {
    ...base,
    exitCode: outcome.code,
    error: `Exit code: ${outcome.code}\nStderr: ${outcome.stderr}`,
  };
}
