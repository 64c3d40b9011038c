import { Injectable } from '@nestjs/common';
import { EventSourceReconciler } from '../event-sources/event-source-reconciler.service';
import { LeaderElection } from '../leadership/leader-election.service';
import { RecoverySweep } from '../recovery/recovery-sweep.service';
import { SchedulerService } from '../scheduler/scheduler.service';
import type { BackgroundTask } from './server-metrics.service';

/** A leader loop as `/healthz/detail` reports it. */
export type LoopCheck = 'ok' | 'stopped' | 'follower';

/** Leadership and the liveness of the loops that run only on the leader. */
@Injectable()
export class ServerStatus {
  constructor(
    private readonly leadership: LeaderElection,
    private readonly scheduler: SchedulerService,
    private readonly recovery: RecoverySweep,
    private readonly eventSources: EventSourceReconciler,
  ) {}

  isLeader(): boolean {
    return this.leadership.isLeader();
  }

  /** Whether each leader loop is running right now (false on a follower, where none runs). */
  loopsAlive(): Record<BackgroundTask, boolean> {
    const leader = this.isLeader();
    return {
      scheduler: leader && this.scheduler.isRunning,
      recovery: leader && this.recovery.isRunning,
      event_source: leader && this.eventSources.isRunning,
    };
  }

  /** `ok` / `stopped` on the leader, `follower` elsewhere. */
  loopChecks(): Record<BackgroundTask, LoopCheck> {
    const alive = this.loopsAlive();
    const check = (task: BackgroundTask): LoopCheck =>
      !this.isLeader() ? 'follower' : alive[task] ? 'ok' : 'stopped';
    return {
      scheduler: check('scheduler'),
      recovery: check('recovery'),
      event_source: check('event_source'),
    };
  }
}
