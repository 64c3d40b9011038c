import { Injectable, type OnModuleInit } from '@nestjs/common';
import { JobRepository, type JobEntity } from '@stroem/db';
import { isTerminalJobStatus } from '../orchestrator/job-cancellation';
import { JobEndedService } from '../orchestrator/job-ended.service';

/**
 * Waits for a job to end without polling: the terminal-actions event (`JobEndedService`)
 * wakes the waiters of that job. The row is read once after subscribing (a job that ended
 * before is seen at once; a cancelled job counts as ended even while its killed steps still
 * report) and once more when the time is up (a job another replica finished).
 */
@Injectable()
export class JobWaiter implements OnModuleInit {
  private readonly waiters = new Map<string, Set<() => void>>();

  constructor(
    private readonly ended: JobEndedService,
    private readonly jobs: JobRepository,
  ) {}

  onModuleInit(): void {
    this.ended.onJobEnded(({ job }) => this.wake(job.jobId));
  }

  /** The job once terminal, or its latest row when `timeoutMs` passed first (null: gone). */
  async waitForEnd(jobId: string, timeoutMs: number): Promise<JobEntity | null> {
    let wake!: () => void;
    const woken = new Promise<void>((resolve) => (wake = resolve));
    const set = this.waiters.get(jobId) ?? new Set();
    set.add(wake);
    this.waiters.set(jobId, set);
    let timer: NodeJS.Timeout | undefined;
    try {
      const first = await this.jobs.find(jobId);
      if (!first || isTerminalJobStatus(first.status)) return first;
      await Promise.race([
        woken,
        new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs))),
      ]);
      return await this.jobs.find(jobId);
    } finally {
      if (timer) clearTimeout(timer);
      set.delete(wake);
      if (set.size === 0) this.waiters.delete(jobId);
    }
  }

  private wake(jobId: string): void {
    for (const wake of this.waiters.get(jobId) ?? []) wake();
  }
}
