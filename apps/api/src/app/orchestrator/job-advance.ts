/**
 * One orchestration pass over a locked job (reference §2.17.2–2.17.6), applied to its rows in
 * place with the shared rules of @stroem/workflow — the same ones `stroem run` uses: loop
 * bookkeeping, promotion (cascades, `when`), for_each expansion, then the job's verdict.
 * Ready `type: task` and approval steps are dispatched in the same pass (../dispatch/server-steps).
 * Returns the server events to write to the job log and the work left for after the commit.
 */
import type { JobStepEntity, LockedJob } from '@stroem/db';
import {
  advanceSequentialLoop,
  conditionContext,
  evaluateCondition,
  evaluateForEach,
  isTerminalStepStatus,
  jobVerdict,
  loopInstanceName,
  loopVerdict,
  promoteSteps,
  startLoop,
  type ConditionResult,
  type JsonValue,
  type PromotableStep,
  type StepStatus,
  type StepView,
  type WorkspaceConfig,
} from '@stroem/workflow';
import {
  dispatchServerStep,
  serverStepContext,
  type ChildJobRequest,
  type SuspendedStep,
} from '../dispatch/server-steps';

/** Action types a worker runs; anything else is dispatched by the server. */
const WORKER_ACTION_TYPES = new Set(['script', 'docker', 'pod']);
const SERVER_STEP_TYPES = new Set(['task', 'approval']);
const NOT_YET_SUPPORTED = new Set(['agent']);

/** What one pass did, beyond the rows: events to log, and work for after the commit. */
export interface AdvanceOutcome {
  events: string[];
  /** `type: task` steps just marked running; each needs its child job. */
  children: ChildJobRequest[];
  /** Approval steps just suspended; each fires `on_suspended` hooks. */
  suspended: SuspendedStep[];
  /** The job is terminal after this pass (its terminal actions may be due). */
  terminal: boolean;
}

export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function unsupportedReason(actionType: string): string {
  return NOT_YET_SUPPORTED.has(actionType)
    ? `action type '${actionType}' is not supported by this server yet`
    : `unknown action type '${actionType}'`;
}

export function setStatus(row: JobStepEntity, status: StepStatus, now: Date, error?: string): void {
  row.status = status;
  if (status === 'ready') row.readyAt = now;
  if (status === 'running' && !row.startedAt) row.startedAt = now;
  if (isTerminalStepStatus(status)) row.completedAt = now;
  if (error !== undefined) row.errorMessage = error;
}

class JobAdvance {
  private readonly events: string[] = [];
  private readonly children: ChildJobRequest[] = [];
  private readonly suspended: SuspendedStep[] = [];
  private readonly now = new Date();

  constructor(
    private readonly locked: LockedJob,
    private readonly config: WorkspaceConfig | undefined,
  ) {}

  run(): AdvanceOutcome {
    if (!this.isJobTerminal()) this.advance();
    return {
      events: this.events,
      children: this.children,
      suspended: this.suspended,
      terminal: this.isJobTerminal(),
    };
  }

  private advance(): void {
    for (let changed = true; changed;) {
      changed = this.dispatchReady();
      changed = this.settleLoops() || changed;
      changed = this.promote() || changed;
    }
    this.decideJob();
  }

  private isJobTerminal(): boolean {
    const s = this.locked.job.status;
    return s === 'completed' || s === 'failed' || s === 'cancelled' || s === 'skipped';
  }

  private get flowRows(): JobStepEntity[] {
    return this.locked.steps.filter((s) => s.loopSource === null);
  }

  private views(statuses?: Readonly<Record<string, StepStatus>>): Map<string, StepView> {
    const views = new Map<string, StepView>();
    for (const row of this.flowRows) {
      views.set(row.stepName, {
        status: statuses?.[row.stepName] ?? row.status,
        output: row.output ?? undefined,
        error: row.errorMessage ?? undefined,
      });
    }
    return views;
  }

  private context(statuses?: Readonly<Record<string, StepStatus>>) {
    if (!this.config) throw new Error(`workspace '${this.locked.job.workspace}' is not loaded`);
    return conditionContext(this.locked.job.input ?? {}, this.views(statuses), this.config);
  }

  /**
   * Ready steps no worker takes: sub-task steps start their child job, approval steps suspend;
   * others (agents for now) fail at once.
   */
  private dispatchReady(): boolean {
    let changed = false;
    for (const row of this.locked.steps) {
      if (row.status !== 'ready' || WORKER_ACTION_TYPES.has(row.actionType)) continue;
      changed = true;
      if (!SERVER_STEP_TYPES.has(row.actionType) || !this.config) {
        const reason = this.config
          ? unsupportedReason(row.actionType)
          : `workspace '${this.locked.job.workspace}' is not loaded`;
        const error = `Step '${row.stepName}': ${reason}`;
        setStatus(row, 'failed', this.now, error);
        this.events.push(error);
        continue;
      }
      const context = serverStepContext(this.context(), row);
      const jobInput = this.locked.job.input ?? {};
      const result = dispatchServerStep(row, context, jobInput, this.config, this.now);
      if (result.kind === 'failed') {
        setStatus(row, 'failed', this.now, result.error);
        this.events.push(`Step '${row.stepName}': ${result.error}`);
      } else if (result.kind === 'child') {
        this.children.push(result.child);
      } else {
        this.suspended.push(result.suspended);
        this.events.push(`[approval] Step '${row.stepName}' waiting for approval`);
      }
    }
    return changed;
  }

  /** Sequential loops advance; a loop whose instances all finished gives its verdict. */
  private settleLoops(): boolean {
    let changed = false;
    for (const placeholder of this.flowRows) {
      if (placeholder.forEachExpr === null || placeholder.status !== 'running') continue;
      const instances = this.locked.steps
        .filter((s) => s.loopSource === placeholder.stepName)
        .sort((a, b) => (a.loopIndex ?? 0) - (b.loopIndex ?? 0));
      if (
        placeholder.sequential &&
        !instances.some((i) => i.status === 'ready' || i.status === 'running')
      ) {
        const finished = instances.map((i) => isTerminalStepStatus(i.status)).lastIndexOf(true);
        if (finished >= 0) {
          const next = advanceSequentialLoop(instances, finished, placeholder.continueOnFailure);
          if (next.promote !== null) setStatus(instances[next.promote], 'ready', this.now);
          for (const i of next.skip) setStatus(instances[i], 'skipped', this.now);
          changed = changed || next.promote !== null || next.skip.length > 0;
        }
      }
      const verdict = loopVerdict(instances, placeholder.continueOnFailure);
      if (!verdict.done) continue;
      if (verdict.status === 'failed') {
        setStatus(placeholder, 'failed', this.now, verdict.error);
      } else {
        placeholder.output = verdict.output;
        setStatus(placeholder, 'completed', this.now);
      }
      changed = true;
    }
    return changed;
  }

  private evaluateWhen(
    name: string,
    statuses: Readonly<Record<string, StepStatus>>,
  ): ConditionResult {
    const row = this.flowRows.find((r) => r.stepName === name) as JobStepEntity;
    try {
      return {
        ok: true,
        value: evaluateCondition(row.whenCondition as string, this.context(statuses)),
      };
    } catch (err) {
      return { ok: false, error: errorText(err) };
    }
  }

  private promote(): boolean {
    const rows = this.flowRows;
    const steps: Record<string, PromotableStep> = {};
    const statuses: Record<string, StepStatus> = {};
    for (const row of rows) {
      steps[row.stepName] = {
        depends_on: row.dependsOn,
        continue_on_failure: row.continueOnFailure,
        when: row.whenCondition ?? undefined,
      };
      statuses[row.stepName] = row.status;
    }
    const changes = promoteSteps(steps, statuses, (n, s) => this.evaluateWhen(n, s));
    for (const { step, decision } of changes) {
      const row = rows.find((r) => r.stepName === step) as JobStepEntity;
      if (decision.action === 'skip') {
        setStatus(row, 'skipped', this.now);
        if (decision.reason === 'condition-false')
          this.events.push(`Step '${step}' skipped: condition '${row.whenCondition}' is false`);
      } else if (decision.action === 'fail') {
        setStatus(row, 'failed', this.now, decision.error);
        this.events.push(`Step '${step}': ${decision.error}`);
      } else if (row.forEachExpr !== null) this.expandLoop(row);
      else setStatus(row, 'ready', this.now);
    }
    return changes.length > 0;
  }

  private expandLoop(placeholder: JobStepEntity): void {
    let items: JsonValue[];
    try {
      items = evaluateForEach(placeholder.forEachExpr as string, this.context());
    } catch (err) {
      const message = errorText(err);
      const error = message.startsWith('for_each')
        ? message
        : `for_each expression error: ${message}`;
      setStatus(placeholder, 'failed', this.now, error);
      this.events.push(`Step '${placeholder.stepName}': ${error}`);
      return;
    }
    const start = startLoop(items, placeholder.sequential);
    if (start.action === 'skip') return setStatus(placeholder, 'skipped', this.now);
    if (start.action === 'fail') {
      this.events.push(`Step '${placeholder.stepName}': ${start.error}`);
      return setStatus(placeholder, 'failed', this.now, start.error);
    }
    setStatus(placeholder, 'running', this.now);
    start.statuses.forEach((status, index) => {
      const instance: JobStepEntity = Object.assign(
        Object.create(Object.getPrototypeOf(placeholder)),
        {
          ...placeholder,
          stepName: loopInstanceName(placeholder.stepName, index),
          status: 'pending',
          startedAt: null,
          completedAt: null,
          readyAt: null,
          whenCondition: null,
          forEachExpr: null,
          sequential: false,
          loopSource: placeholder.stepName,
          loopIndex: index,
          loopTotal: items.length,
          loopItem: items[index],
          output: null,
          errorMessage: null,
        },
      );
      setStatus(instance, status, this.now);
      this.locked.steps.push(instance);
    });
  }

  private decideJob(): void {
    const flow = Object.fromEntries(
      this.flowRows.map((r) => [
        r.stepName,
        { depends_on: r.dependsOn, continue_on_failure: r.continueOnFailure },
      ]),
    );
    const outcomes = Object.fromEntries(
      this.locked.steps.map((r) => [
        r.stepName,
        { status: r.status, output: r.output ?? undefined },
      ]),
    );
    const verdict = jobVerdict(flow, outcomes);
    const job = this.locked.job;
    if (!verdict.terminal) {
      if (
        job.status === 'pending' &&
        this.locked.steps.some((s) => s.status !== 'pending' && s.status !== 'ready')
      ) {
        job.status = 'running';
        job.startedAt = job.startedAt ?? this.now;
      }
      return;
    }
    job.status = verdict.status;
    job.output = verdict.output;
    job.completedAt = this.now;
    const failed = this.locked.steps.filter((s) => s.status === 'failed' && s.errorMessage);
    this.events.push(
      verdict.status === 'failed'
        ? `Job failed: ${failed.map((s) => `Step '${s.stepName}': ${s.errorMessage}`).join('; ')}`
        : 'Job completed',
    );
  }
}

/**
 * Advances a locked job as far as the rules allow. `config` is the workspace's current model
 * (secrets and connections for `when` / `for_each`); undefined when the workspace is gone.
 */
export function advanceJob(locked: LockedJob, config: WorkspaceConfig | undefined): AdvanceOutcome {
  return new JobAdvance(locked, config).run();
}
