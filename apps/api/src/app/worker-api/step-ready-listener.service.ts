import {
  Inject,
  Injectable,
  Logger,
  type OnModuleDestroy,
  type OnModuleInit,
} from '@nestjs/common';
import { STEP_READY_CHANNEL } from '@stroem/db';
import { Client } from 'pg';
import { DATABASE_URL } from '../database/database.module';

/**
 * One dedicated connection LISTENing on `stroem_step_ready`: any replica's NOTIFY (job created,
 * step promoted, retry due) reaches every replica's parked claims. Reconnects on loss, and
 * reports a wake-up then too, since notifications may have been missed meanwhile.
 */
@Injectable()
export class StepReadyListener implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(StepReadyListener.name);
  private readonly subscribers = new Set<() => void>();
  private client: Client | undefined;
  private closing = false;
  private reconnectTimer: NodeJS.Timeout | undefined;

  constructor(@Inject(DATABASE_URL) private readonly url: string) {}

  onReady(callback: () => void): void {
    this.subscribers.add(callback);
  }

  async onModuleInit(): Promise<void> {
    await this.connect();
  }

  async onModuleDestroy(): Promise<void> {
    this.closing = true;
    clearTimeout(this.reconnectTimer);
    await this.client?.end().catch(() => undefined);
  }

  private notify(): void {
    for (const callback of this.subscribers) callback();
  }

  private async connect(): Promise<void> {
    const client = new Client({ connectionString: this.url });
    client.on('notification', () => this.notify());
    client.on('error', (err) => this.lost(client, err));
    client.on('end', () => this.lost(client));
    try {
      await client.connect();
      await client.query(`LISTEN ${STEP_READY_CHANNEL}`);
      this.client = client;
      this.notify();
    } catch (err) {
      this.lost(client, err as Error);
    }
  }

  private lost(client: Client, err?: Error): void {
    if (this.closing || client !== this.client) {
      if (!this.closing && this.client === undefined && !this.reconnectTimer)
        this.scheduleReconnect(err);
      return;
    }
    this.client = undefined;
    client.end().catch(() => undefined);
    this.scheduleReconnect(err);
  }

  private scheduleReconnect(err?: Error): void {
    if (this.closing || this.reconnectTimer) return;
    this.logger.warn(`LISTEN connection lost${err ? `: ${err.message}` : ''}; reconnecting`);
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      void this.connect();
    }, 1000);
    this.reconnectTimer.unref();
  }
}
