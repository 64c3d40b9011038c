import { Injectable, type OnModuleDestroy } from '@nestjs/common';
import type { ClaimRequest } from '@stroem/db';
import { StepClaimService, type ClaimedWork } from '../orchestrator/step-claim.service';
import { StepReadyListener } from './step-ready-listener.service';

/** Parked claims look again at least this often (retry delays elapsing, missed notifies). */
const RECHECK_MS = 5000;

/**
 * The long-poll claim: try at once; with nothing to do, park until a `stroem_step_ready`
 * notification (or the re-check interval), try again, until the wait runs out. A notification
 * that arrives while a claim attempt is in flight is not lost: the generation counter makes the
 * claim retry at once instead of parking.
 */
@Injectable()
export class ClaimWaiters implements OnModuleDestroy {
  private generation = 0;
  private readonly parked = new Set<() => void>();
  private closing = false;

  constructor(
    private readonly claims: StepClaimService,
    listener: StepReadyListener,
  ) {
    listener.onReady(() => this.wakeAll());
  }

  /** How many claims are parked right now (tests observe ordering through this). */
  get parkedCount(): number {
    return this.parked.size;
  }

  async claim(
    req: ClaimRequest,
    waitSecs: number,
    abort: AbortSignal,
  ): Promise<ClaimedWork | null> {
    const deadline = Date.now() + waitSecs * 1000;
    for (;;) {
      if (abort.aborted || this.closing) return null;
      const seen = this.generation;
      const work = await this.claims.claim(req, abort);
      if (work && abort.aborted) {
        // The long-poll connection closed while the claim ran: nobody will run the step.
        await this.claims.release(work.job_id, work.step_name, req.workerId);
        return null;
      }
      if (work) return work;
      if (Date.now() >= deadline) return null;
      if (seen !== this.generation) continue;
      await this.park(Math.min(deadline - Date.now(), RECHECK_MS), abort);
    }
  }

  onModuleDestroy(): void {
    this.closing = true;
    this.wakeAll();
  }

  private wakeAll(): void {
    this.generation++;
    for (const wake of [...this.parked]) wake();
  }

  private park(ms: number, abort: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        abort.removeEventListener('abort', wake);
        this.parked.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, Math.max(0, ms));
      abort.addEventListener('abort', wake, { once: true });
      this.parked.add(wake);
    });
  }
}
