import {
  Inject,
  Injectable,
  Logger,
  type OnModuleDestroy,
  type OnModuleInit,
} from '@nestjs/common';
import { STEP_READY_CHANNEL } from '@stroem/db';
import { ChannelListener } from '../database/channel-listener';
import { DATABASE_URL } from '../database/database.module';

/**
 * One dedicated connection LISTENing on `stroem_step_ready`: any replica's NOTIFY (job created,
 * step promoted, retry due) reaches every replica's parked claims. Reconnects on loss, and
 * reports a wake-up then too, since notifications may have been missed meanwhile.
 */
@Injectable()
export class StepReadyListener implements OnModuleInit, OnModuleDestroy {
  private readonly subscribers = new Set<() => void>();
  private readonly listener: ChannelListener;

  constructor(@Inject(DATABASE_URL) url: string) {
    this.listener = new ChannelListener(
      url,
      STEP_READY_CHANNEL,
      { notification: () => this.notify(), connected: () => this.notify() },
      new Logger(StepReadyListener.name),
    );
  }

  onReady(callback: () => void): void {
    this.subscribers.add(callback);
  }

  onModuleInit(): Promise<void> {
    return this.listener.start();
  }

  onModuleDestroy(): Promise<void> {
    return this.listener.stop();
  }

  private notify(): void {
    for (const callback of this.subscribers) callback();
  }
}
