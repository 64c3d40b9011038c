import type { Logger } from '@nestjs/common';

/**
 * A background pass run every `intervalSecs` (only while `when()` holds, e.g. on the leader),
 * with failures logged, never thrown. `runOnce()` joins a pass already under way instead of
 * starting a second one; `stop()` waits for it.
 */
export class PeriodicPass<R> {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<R> | undefined;

  constructor(
    private readonly what: string,
    private readonly logger: Logger,
    private readonly pass: () => Promise<R>,
  ) {}

  start(intervalSecs: number, when: () => boolean = () => true): void {
    this.timer = setInterval(() => {
      if (!when()) return;
      this.runOnce().catch((err: unknown) =>
        this.logger.error(`${this.what} failed: ${(err as Error).message}`),
      );
    }, intervalSecs * 1000);
    this.timer.unref();
  }

  runOnce(): Promise<R> {
    this.running ??= this.pass().finally(() => (this.running = undefined));
    return this.running;
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running?.catch(() => undefined);
  }
}
