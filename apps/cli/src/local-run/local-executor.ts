/**
 * Runs one task on this machine with no server: the same promotion, loop and verdict rules as
 * the orchestrator (`@stroem/workflow` execution), steps executed by a `Runner`, independent
 * branches in parallel up to a concurrency bound.
 */
import { randomUUID } from 'node:crypto';
import { basename } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import {
  advanceSequentialLoop,
  claimContext,
  conditionContext,
  effectiveRetry,
  evaluateCondition,
  evaluateForEach,
  jobVerdict,
  loopInstanceName,
  loopVerdict,
  prepareActionInput,
  promoteSteps,
  renderActionBody,
  renderInputMap,
  renderTemplate,
  retryDelaySeconds,
  shouldRetry,
  startLoop,
  type ConditionResult,
  type FlowStep,
  type JsonObject,
  type JsonValue,
  type LoadedWorkspace,
  type LoopItem,
  type StepStatus,
  type StepView,
  type TaskDef,
} from '@stroem/workflow';
import type { LogLine, Runner } from '@stroem/runner';
import { whyNotLocal } from './local-action';

const MAX_TASK_DEPTH = 10;

export interface StepRecord extends StepView {
  /** Row name: the flow step, or `step[i]` for a loop instance. */
  name: string;
  /** The flow step this row belongs to. */
  flowStep: string;
  loop?: LoopItem;
  startedAt?: number;
  finishedAt?: number;
}

export type LocalJobStatus = 'completed' | 'failed' | 'cancelled';

export interface LocalRunResult {
  jobId: string;
  status: LocalJobStatus;
  output: JsonObject | null;
  steps: StepRecord[];
}

export interface LocalExecutorOptions {
  workspace: LoadedWorkspace;
  taskName: string;
  /** Job input with task defaults already merged. */
  input: JsonObject;
  runner: Runner;
  concurrency: number;
  signal?: AbortSignal;
  /** Live log lines; `step` is the row name, prefixed by parent steps for sub-task runs. */
  onLog?: (step: string, line: LogLine) => void;
  onStepStatus?: (step: StepRecord) => void;
  /** A failed step will run again after `delaySeconds` (its `retry` policy allows it). */
  onRetry?: (step: StepRecord, retry: RetryNotice) => void;
  /** Sub-task nesting depth (0 for the top-level run). */
  depth?: number;
  /** Label prefix for log lines of a sub-task run. */
  logPrefix?: string;
  /**
   * Asks a person to decide an approval step (`step` is the row name); without it approval
   * steps fail, since nobody can answer.
   */
  approve?: ApprovalPrompt;
}

export type ApprovalPrompt = (
  step: string,
  message: string,
  signal?: AbortSignal,
) => Promise<ApprovalAnswer>;

export type ApprovalAnswer = { approved: true; by: string } | { approved: false; reason?: string };

export const APPROVAL_NEEDS_TERMINAL =
  'approval needs a terminal (stroem run is not interactive here)';

export interface RetryNotice {
  /** 1-based number of the run that failed. */
  attempt: number;
  /** Runs allowed in all: the first plus `max_attempts` retries. */
  of: number;
  delaySeconds: number;
  error: string;
}

type StepOutcome =
  { status: 'completed'; output: JsonValue } | { status: 'failed' | 'cancelled'; error: string };

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function templateFailure(err: unknown): { status: 'failed'; error: string } {
  const message = errorText(err);
  return {
    status: 'failed',
    error: message.startsWith('template error') ? message : `template error: ${message}`,
  };
}

export class LocalExecutor {
  readonly jobId = randomUUID();
  private readonly task: TaskDef;
  private readonly records = new Map<string, StepRecord>();
  private readonly running = new Map<string, Promise<string>>();

  constructor(private readonly options: LocalExecutorOptions) {
    const task = options.workspace.config.tasks[options.taskName];
    if (!task) throw new Error(`unknown task '${options.taskName}'`);
    this.task = task;
    for (const name of Object.keys(task.flow)) {
      this.records.set(name, { name, flowStep: name, status: 'pending' });
    }
  }

  async run(): Promise<LocalRunResult> {
    const signal = this.options.signal;
    const onAbort = () => this.cancelWaiting();
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      if (signal?.aborted) this.cancelWaiting();
      this.advance();
      this.schedule();
      while (this.running.size > 0) {
        await Promise.race(this.running.values());
        this.advance();
        this.schedule();
      }
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
    return this.result();
  }

  private get flow(): Record<string, FlowStep> {
    return this.task.flow;
  }

  private setStatus(record: StepRecord, status: StepStatus, patch: Partial<StepRecord> = {}): void {
    Object.assign(record, patch, { status });
    if (status === 'running') record.startedAt = Date.now();
    if (['completed', 'failed', 'skipped', 'cancelled'].includes(status) && record.startedAt) {
      record.finishedAt = Date.now();
    }
    this.options.onStepStatus?.(record);
  }

  private flowViews(statuses?: Readonly<Record<string, StepStatus>>): Map<string, StepView> {
    const views = new Map<string, StepView>();
    for (const name of Object.keys(this.flow)) {
      const record = this.records.get(name) as StepRecord;
      views.set(name, { ...record, status: statuses?.[name] ?? record.status });
    }
    return views;
  }

  private evaluateWhen(
    name: string,
    statuses: Readonly<Record<string, StepStatus>>,
  ): ConditionResult {
    const when = this.flow[name].when as string;
    const context = conditionContext(
      this.options.input,
      this.flowViews(statuses),
      this.options.workspace.config,
    );
    try {
      return { ok: true, value: evaluateCondition(when, context) };
    } catch (err) {
      return { ok: false, error: errorText(err) };
    }
  }

  /** Promotes pending steps and expands ready loops until nothing changes. */
  private advance(): void {
    if (this.options.signal?.aborted) return;
    for (;;) {
      const statuses = Object.fromEntries(
        Object.keys(this.flow).map((n) => [n, (this.records.get(n) as StepRecord).status]),
      );
      const changes = promoteSteps(this.flow, statuses, (n, s) => this.evaluateWhen(n, s));
      if (changes.length === 0) return;
      for (const { step, decision } of changes) {
        const record = this.records.get(step) as StepRecord;
        if (decision.action === 'skip') this.setStatus(record, 'skipped');
        else if (decision.action === 'fail')
          this.setStatus(record, 'failed', { error: decision.error });
        else if (this.flow[step].for_each !== undefined) this.expandLoop(record);
        else this.setStatus(record, 'ready');
      }
    }
  }

  private expandLoop(placeholder: StepRecord): void {
    const step = this.flow[placeholder.name];
    let items: JsonValue[];
    try {
      const context = conditionContext(
        this.options.input,
        this.flowViews(),
        this.options.workspace.config,
      );
      items = evaluateForEach(step.for_each as string | JsonValue[], context);
    } catch (err) {
      const message = errorText(err);
      const error = message.startsWith('for_each')
        ? message
        : `for_each expression error: ${message}`;
      this.setStatus(placeholder, 'failed', { error });
      return;
    }
    const start = startLoop(items, step.sequential);
    if (start.action === 'skip') return this.setStatus(placeholder, 'skipped');
    if (start.action === 'fail')
      return this.setStatus(placeholder, 'failed', { error: start.error });
    this.setStatus(placeholder, 'running');
    start.statuses.forEach((status, index) => {
      const name = loopInstanceName(placeholder.name, index);
      const loop = { item: items[index], index, total: items.length };
      const record: StepRecord = { name, flowStep: placeholder.name, status: 'pending', loop };
      this.records.set(name, record);
      this.setStatus(record, status);
    });
  }

  private instancesOf(flowStep: string): StepRecord[] {
    return [...this.records.values()]
      .filter((r) => r.loop && r.flowStep === flowStep)
      .sort((a, b) => (a.loop as LoopItem).index - (b.loop as LoopItem).index);
  }

  private afterInstance(instance: StepRecord): void {
    const step = this.flow[instance.flowStep];
    const instances = this.instancesOf(instance.flowStep);
    if (step.sequential) {
      const next = advanceSequentialLoop(
        instances,
        (instance.loop as LoopItem).index,
        step.continue_on_failure,
      );
      if (next.promote !== null) this.setStatus(instances[next.promote], 'ready');
      for (const i of next.skip) this.setStatus(instances[i], 'skipped');
    }
    const verdict = loopVerdict(instances, step.continue_on_failure);
    if (!verdict.done) return;
    const placeholder = this.records.get(instance.flowStep) as StepRecord;
    if (verdict.status === 'failed')
      this.setStatus(placeholder, 'failed', { error: verdict.error });
    else this.setStatus(placeholder, 'completed', { output: verdict.output });
  }

  private schedule(): void {
    if (this.options.signal?.aborted) return;
    for (const record of this.records.values()) {
      if (this.running.size >= this.options.concurrency) return;
      if (record.status !== 'ready') continue;
      this.setStatus(record, 'running');
      this.running.set(
        record.name,
        this.execute(record).then(() => {
          this.running.delete(record.name);
          return record.name;
        }),
      );
    }
  }

  private async execute(record: StepRecord): Promise<void> {
    try {
      const outcome = await this.executeWithRetries(record);
      if (outcome.status === 'completed') {
        this.setStatus(record, 'completed', { output: outcome.output });
      } else {
        this.setStatus(record, outcome.status, { error: outcome.error });
      }
    } catch (err) {
      this.setStatus(record, 'failed', { error: errorText(err) });
    }
    if (record.loop) this.afterInstance(record);
  }

  /** Runs a step, and again while its retry policy allows (not for sub-task steps, as upstream). */
  private async executeWithRetries(record: StepRecord): Promise<StepOutcome> {
    const step = this.flow[record.flowStep];
    const action = this.options.workspace.config.actions[step.action];
    const retry = action?.type === 'task' ? undefined : effectiveRetry(step.retry, action?.retry);
    for (let retries = 0; ; retries++) {
      const outcome = await this.executeStep(record);
      if (outcome.status !== 'failed' || !retry || !shouldRetry(retry, retries)) return outcome;
      const delaySeconds = retryDelaySeconds(retry, retries);
      this.options.onRetry?.(record, {
        attempt: retries + 1,
        of: retry.max_attempts + 1,
        delaySeconds,
        error: outcome.error,
      });
      try {
        await delay(delaySeconds * 1000, undefined, { signal: this.options.signal });
      } catch {
        return { status: 'cancelled', error: 'Job cancelled' };
      }
    }
  }

  private async executeStep(record: StepRecord): Promise<StepOutcome> {
    const { workspace, signal } = this.options;
    const config = workspace.config;
    const step = this.flow[record.flowStep];
    const action = config.actions[step.action];
    if (!action) return { status: 'failed', error: `unknown action '${step.action}'` };
    const notLocal = whyNotLocal(action);
    if (notLocal) {
      return {
        status: 'failed',
        error: `step '${record.name}' cannot run locally: action '${step.action}' — ${notLocal}`,
      };
    }

    const views = this.flowViews();
    let context;
    let actionInput: JsonObject;
    try {
      context =
        action.type === 'task' || action.type === 'approval'
          ? { ...conditionContext(this.options.input, views, config), ...eachOf(record) }
          : claimContext(this.options.input, views, config, record.loop);
      actionInput =
        action.type === 'approval'
          ? renderInputMap(step.input, context)
          : prepareActionInput(action, step.input, context, this.options.input, config);
      if (action.type === 'approval' && Object.keys(step.input).length > 0)
        context = { ...context, input: actionInput };
    } catch (err) {
      return templateFailure(err);
    }

    if (action.type === 'task') return this.runSubTask(record, action.task ?? '', actionInput);
    if (action.type === 'approval') return this.askApproval(record, action.message ?? '', context);

    let body;
    try {
      body = renderActionBody(action, actionInput, context, config);
    } catch (err) {
      return templateFailure(err);
    }
    const label = `${this.options.logPrefix ?? ''}${record.name}`;
    const result = await this.options.runner.run({
      action: body,
      workspaceDir: workspace.root,
      step: {
        jobId: this.jobId,
        taskName: this.options.taskName,
        stepName: record.name,
        workspace: basename(workspace.root),
      },
      timeoutSeconds: step.timeout,
      signal,
      onLog: (line) => this.options.onLog?.(label, line),
    });
    if (result.error === undefined) return { status: 'completed', output: result.output };
    if (signal?.aborted && result.error === 'Job cancelled')
      return { status: 'cancelled', error: result.error };
    return { status: 'failed', error: result.error };
  }

  /** The server suspends the step until someone decides; here the person at the terminal does. */
  private async askApproval(
    record: StepRecord,
    template: string,
    context: Record<string, JsonValue>,
  ): Promise<StepOutcome> {
    let message: string;
    try {
      message = renderTemplate(template, context);
    } catch (err) {
      return templateFailure(err);
    }
    if (!this.options.approve) return { status: 'failed', error: APPROVAL_NEEDS_TERMINAL };
    const label = `${this.options.logPrefix ?? ''}${record.name}`;
    const answer = await this.options.approve(label, message, this.options.signal);
    if (this.options.signal?.aborted) return { status: 'cancelled', error: 'Job cancelled' };
    if (!answer.approved) return { status: 'failed', error: answer.reason || 'Approval rejected' };
    return {
      status: 'completed',
      output: {
        approval_message: message,
        approved: true,
        approved_by: answer.by,
        approved_at: new Date().toISOString(),
      },
    };
  }

  private async runSubTask(
    record: StepRecord,
    taskName: string,
    input: JsonObject,
  ): Promise<StepOutcome> {
    const depth = (this.options.depth ?? 0) + 1;
    if (depth >= MAX_TASK_DEPTH) {
      return { status: 'failed', error: `Maximum task nesting depth (${MAX_TASK_DEPTH}) exceeded` };
    }
    if (!this.options.workspace.config.tasks[taskName]) {
      return { status: 'failed', error: `unknown task '${taskName}'` };
    }
    const prefix = `${this.options.logPrefix ?? ''}${record.name}/`;
    const report = this.options.onStepStatus;
    const retried = this.options.onRetry;
    const child = new LocalExecutor({
      ...this.options,
      taskName,
      input,
      depth,
      logPrefix: prefix,
      onStepStatus: report && ((step) => report({ ...step, name: `${prefix}${step.name}` })),
      onRetry: retried && ((step, r) => retried({ ...step, name: `${prefix}${step.name}` }, r)),
    });
    const result = await child.run();
    if (result.status === 'completed') return { status: 'completed', output: result.output };
    if (result.status === 'cancelled') return { status: 'cancelled', error: 'Job cancelled' };
    return { status: 'failed', error: `Child job ${child.jobId} failed` };
  }

  /** Ctrl-C: nothing new starts; waiting steps are cancelled, running ones are killed by the runner. */
  private cancelWaiting(): void {
    for (const record of this.records.values()) {
      if (record.status === 'pending' || record.status === 'ready')
        this.setStatus(record, 'cancelled');
    }
  }

  private result(): LocalRunResult {
    const steps = [...this.records.values()];
    if (this.options.signal?.aborted) {
      for (const r of steps) if (r.status === 'running' && !r.loop) this.setStatus(r, 'cancelled');
      return { jobId: this.jobId, status: 'cancelled', output: null, steps };
    }
    const verdict = jobVerdict(this.flow, Object.fromEntries(steps.map((r) => [r.name, r])));
    if (!verdict.terminal) {
      // Unreachable with a valid DAG; a cycle leaves steps pending forever.
      const stuck = steps.filter((r) => r.status === 'pending').map((r) => r.name);
      for (const r of steps) if (r.status === 'pending') this.setStatus(r, 'skipped');
      return {
        jobId: this.jobId,
        status: 'failed',
        output: null,
        steps: steps.map((r) =>
          stuck.includes(r.name) ? { ...r, error: 'never became ready (dependency cycle?)' } : r,
        ),
      };
    }
    return { jobId: this.jobId, status: verdict.status, output: verdict.output, steps };
  }
}

function eachOf(record: StepRecord): Record<string, JsonValue> {
  return record.loop
    ? { each: { item: record.loop.item, index: record.loop.index, total: record.loop.total } }
    : {};
}
