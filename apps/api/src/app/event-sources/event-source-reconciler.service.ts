import {
  Inject,
  Injectable,
  Logger,
  type OnModuleDestroy,
  type OnModuleInit,
} from '@nestjs/common';
import { EventSourceRepository, JobRepository, type EventSourceConsumerRow } from '@stroem/db';
import type { EventSourceTrigger } from '@stroem/workflow';
import { SERVER_CONFIG, type ServerConfig } from '../config/server-config';
import { LeaderElection } from '../leadership/leader-election.service';
import { errorText } from '../orchestrator/job-advance';
import { isTerminalJobStatus } from '../orchestrator/job-cancellation';
import { JobCancellationService } from '../orchestrator/job-cancellation.service';
import { JobCreatorService } from '../orchestrator/job-creator.service';
import { WorkspaceRegistry } from '../workspace/workspace-registry.service';
import {
  consumerFingerprint,
  consumerJobInput,
  policyRestarts,
  restartBackoffSecs,
} from './event-source-config';

const DEFAULT_INTERVAL_SECS = 30;

/**
 * Keeps one consumer job per enabled event_source trigger (reference §2.17.9), on the leader
 * only. State lives in `event_source_consumer`: reconcile only ever cancels the consumer job
 * recorded there (never an emitted target job), and restart policies hold forever.
 */
@Injectable()
export class EventSourceReconciler implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(EventSourceReconciler.name);
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | null = null;

  constructor(
    private readonly repo: EventSourceRepository,
    private readonly jobs: JobRepository,
    private readonly creator: JobCreatorService,
    private readonly cancellation: JobCancellationService,
    private readonly workspaces: WorkspaceRegistry,
    private readonly leadership: LeaderElection,
    @Inject(SERVER_CONFIG) private readonly config: ServerConfig,
  ) {}

  onModuleInit(): void {
    const secs = this.config.event_sources?.reconcile_interval_secs ?? DEFAULT_INTERVAL_SECS;
    this.timer = setInterval(() => void this.tick(), secs * 1000);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Whether the reconcile timer is armed (`/healthz/detail`, `stroem_background_task_alive`). */
  get isRunning(): boolean {
    return this.timer !== undefined;
  }

  private async tick(): Promise<void> {
    // Leader-only: the scheduler/recovery leader election decides.
    if (!this.leadership.isLeader()) return;
    await this.reconcileOnce();
  }

  /** One pass; concurrent callers share the pass in progress. Never throws. */
  async reconcileOnce(now: Date = new Date()): Promise<void> {
    if (!this.running) {
      this.running = this.pass(now)
        .catch((err) => this.logger.error(`event-source reconcile failed: ${errorText(err)}`))
        .finally(() => (this.running = null));
    }
    await this.running;
  }

  private async pass(now: Date): Promise<void> {
    const wanted = new Map<
      string,
      { workspace: string; key: string; trigger: EventSourceTrigger }
    >();
    for (const ws of this.workspaces.list()) {
      for (const [key, trigger] of Object.entries(ws.current?.config.triggers ?? {})) {
        if (trigger.type === 'event_source' && trigger.enabled)
          wanted.set(`${ws.name}/${key}`, { workspace: ws.name, key, trigger });
      }
    }
    const rows = new Map((await this.repo.all()).map((r) => [`${r.workspace}/${r.triggerKey}`, r]));
    for (const [id, row] of rows) {
      if (wanted.has(id)) continue;
      // Removed or disabled: stop its consumer (and only that job).
      await this.cancelConsumer(row);
      await this.repo.remove(row.workspace, row.triggerKey);
    }
    for (const [id, want] of wanted) {
      try {
        await this.reconcileOne(want.workspace, want.key, want.trigger, rows.get(id), now);
      } catch (err) {
        this.logger.error(`event source ${id}: ${errorText(err)}`);
      }
    }
  }

  private async reconcileOne(
    workspace: string,
    key: string,
    trigger: EventSourceTrigger,
    row: EventSourceConsumerRow | undefined,
    now: Date,
  ): Promise<void> {
    const fingerprint = consumerFingerprint(trigger);
    const job = row?.jobId ? await this.jobs.find(row.jobId) : null;
    if (!row || !job) return this.start(workspace, key, trigger, fingerprint, 0);
    if (row.fingerprint !== fingerprint) {
      await this.cancelConsumer(row);
      return this.start(workspace, key, trigger, fingerprint, 0);
    }
    if (!isTerminalJobStatus(job.status)) return;
    const completed = job.status === 'completed';
    if (row.countedJobId !== job.jobId) {
      const failures = completed ? 0 : row.consecutiveFailures + 1;
      const ended = job.completedAt ?? now;
      row = {
        ...row,
        consecutiveFailures: failures,
        countedJobId: job.jobId,
        restartAt: new Date(
          ended.getTime() + restartBackoffSecs(trigger.backoff_secs, failures) * 1000,
        ),
      };
      await this.repo.save(row);
    }
    if (!policyRestarts(trigger.restart_policy, completed)) return;
    if (row.restartAt && row.restartAt.getTime() > now.getTime()) return;
    await this.start(workspace, key, trigger, fingerprint, row.consecutiveFailures);
  }

  private async start(
    workspace: string,
    key: string,
    trigger: EventSourceTrigger,
    fingerprint: string,
    failures: number,
  ): Promise<void> {
    const jobId = await this.creator.create({
      workspace,
      taskName: trigger.task,
      input: consumerJobInput(workspace, key, trigger, failures),
      sourceType: 'event_source',
      sourceId: `${workspace}/${key}`,
    });
    await this.repo.save({
      workspace,
      triggerKey: key,
      fingerprint,
      jobId,
      consecutiveFailures: failures,
      countedJobId: null,
      restartAt: null,
    });
    this.logger.log(`event source ${workspace}/${key}: consumer job ${jobId} started`);
  }

  private async cancelConsumer(row: EventSourceConsumerRow): Promise<void> {
    if (!row.jobId) return;
    const job = await this.jobs.find(row.jobId);
    if (!job || isTerminalJobStatus(job.status)) return;
    await this.cancellation.cancel(row.jobId, {
      kind: 'trigger',
      sourceId: `${row.workspace}/${row.triggerKey}`,
    });
  }
}
