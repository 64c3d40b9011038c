import type { Logger } from '@nestjs/common';
import { Client } from 'pg';

export interface ChannelHandlers {
  notification(payload: string | undefined): void;
  /** After every (re)connection: notices sent while disconnected are lost, so look again. */
  connected?(): void;
}

/**
 * A dedicated PostgreSQL connection LISTENing on one channel, reconnecting a second after a
 * loss (logged once per loss). Pooled connections cannot LISTEN: they are handed back.
 */
export class ChannelListener {
  /** The connection being opened or open; events of any older one are ignored. */
  private current: Client | undefined;
  private listening = false;
  private closing = false;
  private reconnectTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly url: string,
    private readonly channel: string,
    private readonly handlers: ChannelHandlers,
    private readonly logger: Logger,
  ) {}

  get connected(): boolean {
    return this.listening;
  }

  start(): Promise<void> {
    return this.connect();
  }

  async stop(): Promise<void> {
    this.closing = true;
    clearTimeout(this.reconnectTimer);
    this.listening = false;
    await this.current?.end().catch(() => undefined);
  }

  private async connect(): Promise<void> {
    const client = new Client({ connectionString: this.url });
    this.current = client;
    client.on('notification', (msg) => this.handlers.notification(msg.payload));
    client.on('error', (err) => this.lost(client, err));
    client.on('end', () => this.lost(client));
    try {
      await client.connect();
      await client.query(`LISTEN ${this.channel}`);
      if (client !== this.current || this.closing) return;
      this.listening = true;
      this.handlers.connected?.();
    } catch (err) {
      this.lost(client, err as Error);
    }
  }

  private lost(client: Client, err?: Error): void {
    if (this.closing || client !== this.current) return;
    this.current = undefined;
    this.listening = false;
    client.end().catch(() => undefined);
    if (this.reconnectTimer) return;
    this.logger.warn(
      `LISTEN ${this.channel} connection lost${err ? `: ${err.message}` : ''}; reconnecting`,
    );
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      void this.connect();
    }, 1000);
    this.reconnectTimer.unref();
  }
}
