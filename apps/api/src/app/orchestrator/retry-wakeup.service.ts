import { Injectable, type OnModuleDestroy } from '@nestjs/common';
import { ClaimRepository } from '@stroem/db';

/**
 * A step waiting for its retry delay is not claimable until `retry_at`; at that moment we
 * NOTIFY so parked claims (on every replica) look again. Parked claims also re-check on their
 * own every few seconds, so a restart that loses this timer only delays the retry a little.
 */
@Injectable()
export class RetryWakeup implements OnModuleDestroy {
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(private readonly claims: ClaimRepository) {}

  at(jobId: string, when: Date): void {
    const timer = setTimeout(
      () => {
        this.timers.delete(timer);
        void this.claims.announceReady(jobId).catch(() => undefined);
      },
      Math.max(0, when.getTime() - Date.now()) + 20,
    );
    timer.unref();
    this.timers.add(timer);
  }

  onModuleDestroy(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }
}
