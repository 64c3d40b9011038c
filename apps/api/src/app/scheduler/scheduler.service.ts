import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnModuleDestroy,
} from '@nestjs/common';
import { SchedulerRepository } from '@stroem/db';
import { nextRun, previousRun, type SchedulerTrigger } from '@stroem/workflow';
import { SERVER_CONFIG, type ServerConfig } from '../config/server-config';
import { errorText } from '../orchestrator/job-advance';
import { JobCancellationService } from '../orchestrator/job-cancellation.service';
import { JobCreatorService } from '../orchestrator/job-creator.service';
import { LeaderElection } from '../leadership/leader-election.service';
import { WorkspaceRegistry } from '../workspace/workspace-registry.service';

export const TRIGGER_SOURCE_TYPE = 'trigger';
/** The longest sleep: how soon a workspace reload is noticed. */
const MAX_SLEEP_MS = 1000;

/** One enabled scheduler trigger and when it fires next. */
interface ScheduledTrigger {
  workspace: string;
  name: string;
  trigger: SchedulerTrigger;
  /** What a hot reload compares: a change resets the schedule. */
  fingerprint: string;
  next: Date | null;
}

/** What a fired slot did, for logs and tests. */
export type FireOutcome =
  | { kind: 'created'; jobId: string; cancelled: string[] }
  | { kind: 'skipped'; jobId: string }
  | { kind: 'claimed-elsewhere' }
  | { kind: 'failed'; error: string };

const keyOf = (workspace: string, name: string) => `${workspace}/${name}`;

function fingerprintOf(t: SchedulerTrigger): string {
  return JSON.stringify([
    t.cron.trim(),
    t.timezone ?? 'UTC',
    t.task,
    t.input,
    t.enabled,
    t.concurrency,
  ]);
}

/**
 * The cron scheduler (reference §2.17.13), on the leader only: one loop that sleeps until the
 * next due trigger across all workspaces (at most a second, to notice workspace reloads). A
 * reload keeps the schedule of unchanged triggers; a changed one (cron, timezone, task, input,
 * concurrency) is rescheduled from now; disabled and removed ones are dropped.
 *
 * Each slot is claimed in `scheduler_trigger_state` before it fires, so it fires at most once
 * even across a leadership hand-over. `concurrency: skip` records a bare `skipped` job while a
 * job of the trigger is pending or running; `cancel_previous` cancels those first. With
 * `scheduler.catch_up: last`, becoming leader fires the latest slot missed since the trigger
 * last fired (once); upstream's `none` lets missed runs go.
 */
@Injectable()
export class SchedulerService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(SchedulerService.name);
  private readonly entries = new Map<string, ScheduledTrigger>();
  private readonly revisions = new Map<string, string | undefined>();
  private running = false;
  private timer: NodeJS.Timeout | undefined;
  private loop: Promise<void> | undefined;
  private unsubscribe: (() => void) | undefined;
  private generation = 0;

  constructor(
    private readonly workspaces: WorkspaceRegistry,
    private readonly creator: JobCreatorService,
    private readonly cancellation: JobCancellationService,
    private readonly repository: SchedulerRepository,
    private readonly leadership: LeaderElection,
    @Inject(SERVER_CONFIG) private readonly config: ServerConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.unsubscribe = this.leadership.onChange((leader) => {
      if (leader) void this.start();
      else void this.stop();
    });
  }

  async onModuleDestroy(): Promise<void> {
    this.unsubscribe?.();
    await this.stop();
  }

  /** When each enabled scheduler trigger fires next, keyed `<workspace>/<trigger>` (tests). */
  schedule(): Map<string, Date | null> {
    return new Map([...this.entries].map(([k, e]) => [k, e.next]));
  }

  get isRunning(): boolean {
    return this.running;
  }

  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    const generation = ++this.generation;
    this.entries.clear();
    this.revisions.clear();
    this.logger.log('scheduler started');
    const now = new Date();
    this.reconcile(now);
    if ((this.config.scheduler?.catch_up ?? 'none') === 'last') await this.catchUp(now);
    if (generation === this.generation && this.running) this.arm();
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.generation++;
    clearTimeout(this.timer);
    await this.loop?.catch(() => undefined);
    this.logger.log('scheduler stopped');
  }

  /** Re-reads the triggers of every workspace whose revision changed (`force` ⇒ all). */
  reconcile(now = new Date(), force = false): void {
    const seen = new Set<string>();
    for (const ws of this.workspaces.list()) {
      const snapshot = ws.current;
      const changed = force || this.revisions.get(ws.name) !== snapshot?.revision;
      this.revisions.set(ws.name, snapshot?.revision);
      for (const [name, trigger] of Object.entries(snapshot?.config.triggers ?? {})) {
        if (trigger.type !== 'scheduler' || !trigger.enabled) continue;
        const key = keyOf(ws.name, name);
        seen.add(key);
        if (!changed) continue;
        const fingerprint = fingerprintOf(trigger);
        const known = this.entries.get(key);
        if (known && known.fingerprint === fingerprint) {
          known.trigger = trigger;
          continue;
        }
        const next = nextRun(trigger.cron, trigger.timezone, now);
        if (!next) this.logger.warn(`trigger '${key}': cron '${trigger.cron}' never fires`);
        this.entries.set(key, { workspace: ws.name, name, trigger, fingerprint, next });
      }
    }
    for (const key of [...this.entries.keys()]) if (!seen.has(key)) this.entries.delete(key);
  }

  private async catchUp(now: Date): Promise<void> {
    let last: Map<string, Date>;
    try {
      last = await this.repository.lastFired();
    } catch (err) {
      return this.logger.error(`catch-up: cannot read trigger state: ${errorText(err)}`);
    }
    for (const [key, entry] of this.entries) {
      const fired = last.get(key);
      const missed = previousRun(entry.trigger.cron, entry.trigger.timezone, now);
      if (!fired || !missed || missed <= fired) continue;
      this.logger.log(`trigger '${key}': catching up the run missed at ${missed.toISOString()}`);
      await this.fire(entry, missed);
    }
  }

  private arm(): void {
    if (!this.running) return;
    clearTimeout(this.timer);
    const due = Math.min(...[...this.entries.values()].map((e) => e.next?.getTime() ?? Infinity));
    const delay = Math.max(0, Math.min(due - Date.now(), MAX_SLEEP_MS));
    this.timer = setTimeout(() => {
      this.loop = this.wake().finally(() => {
        this.loop = undefined;
        this.arm();
      });
    }, delay);
    this.timer.unref();
  }

  private async wake(): Promise<void> {
    const generation = this.generation;
    const now = new Date();
    this.reconcile(now);
    for (const entry of [...this.entries.values()]) {
      if (!entry.next || entry.next.getTime() > now.getTime()) continue;
      const slot = entry.next;
      entry.next = nextRun(entry.trigger.cron, entry.trigger.timezone, now);
      if (generation !== this.generation) return;
      await this.fire(entry, slot);
    }
  }

  /** Fires a known trigger for `slot` now, whatever its schedule (tests, operators). */
  async fireTrigger(workspace: string, name: string, slot = new Date()): Promise<FireOutcome> {
    const entry = this.entries.get(keyOf(workspace, name));
    if (!entry)
      return { kind: 'failed', error: `no enabled scheduler trigger '${workspace}/${name}'` };
    return this.fire(entry, slot);
  }

  /** Fires one slot of a trigger: claim it, apply the concurrency policy, create the job. */
  private async fire(entry: ScheduledTrigger, slot: Date): Promise<FireOutcome> {
    const sourceId = keyOf(entry.workspace, entry.name);
    try {
      if (!(await this.repository.claimSlot(entry.workspace, entry.name, slot))) {
        return { kind: 'claimed-elsewhere' };
      }
      let trigger = entry.trigger;
      if (trigger.force_refresh) {
        const ws = this.workspaces.get(entry.workspace);
        if (ws) await this.workspaces.refresh(ws);
        const current = ws?.current?.config.triggers[entry.name];
        if (current?.type === 'scheduler') trigger = current;
      }
      const active =
        trigger.concurrency === 'allow'
          ? []
          : await this.repository.activeJobIds(TRIGGER_SOURCE_TYPE, sourceId);
      if (trigger.concurrency === 'skip' && active.length > 0) {
        const snapshot = this.workspaces.get(entry.workspace)?.current;
        const jobId = await this.repository.insertSkippedJob({
          workspace: entry.workspace,
          taskName: trigger.task,
          mode: snapshot?.config.tasks[trigger.task]?.mode ?? 'distributed',
          input: trigger.input,
          sourceType: TRIGGER_SOURCE_TYPE,
          sourceId,
          revision: snapshot?.revision ?? null,
        });
        this.logger.log(`trigger '${sourceId}': skipped (job ${active[0]} still active)`);
        return { kind: 'skipped', jobId };
      }
      const cancelled: string[] = [];
      if (trigger.concurrency === 'cancel_previous') {
        for (const jobId of active) {
          const outcome = await this.cancellation.cancel(jobId, { kind: 'trigger', sourceId });
          if (outcome === 'cancelled') cancelled.push(jobId);
        }
      }
      const jobId = await this.creator.create({
        workspace: entry.workspace,
        taskName: trigger.task,
        input: trigger.input,
        sourceType: TRIGGER_SOURCE_TYPE,
        sourceId,
      });
      this.logger.log(`trigger '${sourceId}' fired: job ${jobId}`);
      return { kind: 'created', jobId, cancelled };
    } catch (err) {
      const error = errorText(err);
      this.logger.error(`trigger '${sourceId}' failed to fire: ${error}`);
      return { kind: 'failed', error };
    }
  }
}
