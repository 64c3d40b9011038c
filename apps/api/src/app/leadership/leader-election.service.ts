import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnModuleDestroy,
} from '@nestjs/common';
import { Client } from 'pg';
import {
  DEFAULT_LEADER_ELECTION,
  SERVER_CONFIG,
  type LeaderElectionConfig,
  type ServerConfig,
} from '../config/server-config';
import { DATABASE_URL } from '../database/database.module';

/** The advisory lock key upstream uses ("STRMLDR\x01"), so mixed fleets never both lead. */
/** Upstream's advisory lock key `0x5354524D4C445201` ("STRMLDR\x01"), in decimal: hex integer
 * literals only parse from PostgreSQL 16 on. */
export const LEADER_LOCK_KEY = BigInt('0x5354524D4C445201').toString();

export type LeadershipListener = (leader: boolean) => void;

/**
 * Leader election (reference §1.18): the replica holding PostgreSQL advisory lock
 * `0x5354524D4C445201` on its own dedicated connection leads; the scheduler, the recovery sweep
 * and other singleton loops run only there. A follower retries every `retry_interval_secs`; the
 * leader checks its connection as often and steps down the moment it fails (the lock went with
 * the session), then competes again. With `leader_election.enabled: false` this replica always
 * leads. Listeners hear every change (`true` elected, `false` lost).
 */
@Injectable()
export class LeaderElection implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(LeaderElection.name);
  private readonly listeners = new Set<LeadershipListener>();
  private readonly settings: LeaderElectionConfig;
  private client: Client | undefined;
  private leader = false;
  private closing = false;
  private timer: NodeJS.Timeout | undefined;
  private ticking: Promise<void> | undefined;

  constructor(
    @Inject(DATABASE_URL) private readonly url: string,
    @Inject(SERVER_CONFIG) config: ServerConfig,
  ) {
    this.settings = config.leader_election ?? DEFAULT_LEADER_ELECTION;
  }

  private lastAttemptError: string | undefined;

  isLeader(): boolean {
    return this.leader;
  }

  /** Calls `listener` on every change; at once with `true` when this replica already leads. */
  onChange(listener: LeadershipListener): () => void {
    this.listeners.add(listener);
    if (this.leader) listener(true);
    return () => this.listeners.delete(listener);
  }

  async onApplicationBootstrap(): Promise<void> {
    if (!this.settings.enabled) {
      this.logger.log('leader election disabled: this replica leads');
      this.setLeader(true);
      return;
    }
    await this.tick();
    this.schedule();
  }

  async onModuleDestroy(): Promise<void> {
    this.closing = true;
    clearTimeout(this.timer);
    await this.ticking?.catch(() => undefined);
    this.setLeader(false);
    const client = this.client;
    this.client = undefined;
    // Closing the session releases the lock, so a follower takes over at its next attempt.
    await client?.end().catch(() => undefined);
  }

  private schedule(): void {
    if (this.closing) return;
    this.timer = setTimeout(() => {
      void this.tick().finally(() => this.schedule());
    }, this.settings.retry_interval_secs * 1000);
    this.timer.unref();
  }

  /** One attempt (follower) or one connection check (leader). */
  private tick(): Promise<void> {
    this.ticking ??= (this.leader ? this.check() : this.attempt()).finally(
      () => (this.ticking = undefined),
    );
    return this.ticking;
  }

  private async attempt(): Promise<void> {
    try {
      const client = this.client ?? (await this.connect());
      const rows = await client.query<{ locked: boolean }>(
        'SELECT pg_try_advisory_lock($1::bigint) AS locked',
        [LEADER_LOCK_KEY],
      );
      this.lastAttemptError = undefined;
      if (rows.rows[0]?.locked && !this.closing && client === this.client) {
        this.logger.log('elected leader (advisory lock acquired)');
        this.setLeader(true);
      }
    } catch (err) {
      // A follower retries quietly, but say once why it cannot take the lock.
      const message = (err as Error).message;
      if (message !== this.lastAttemptError)
        this.logger.warn(`leader election attempt failed: ${message}`);
      this.lastAttemptError = message;
      this.dropConnection(err as Error);
    }
  }

  private async check(): Promise<void> {
    const client = this.client;
    if (!client) return this.dropConnection();
    try {
      await client.query('SELECT 1');
    } catch (err) {
      this.dropConnection(err as Error);
    }
  }

  private async connect(): Promise<Client> {
    const client = new Client({ connectionString: this.url, application_name: 'stroem-leader' });
    client.on('error', (err) => this.lost(client, err));
    client.on('end', () => this.lost(client));
    this.client = client;
    try {
      await client.connect();
    } catch (err) {
      if (this.client === client) this.client = undefined;
      throw err;
    }
    return client;
  }

  private lost(client: Client, err?: Error): void {
    if (client === this.client) this.dropConnection(err);
  }

  /** The session is gone or unusable: so is the lock. */
  private dropConnection(err?: Error): void {
    const client = this.client;
    this.client = undefined;
    client?.end().catch(() => undefined);
    if (this.leader && !this.closing) {
      this.logger.warn(`lost leadership: connection failed${err ? `: ${err.message}` : ''}`);
    }
    this.setLeader(false);
  }

  private setLeader(leader: boolean): void {
    if (this.leader === leader) return;
    this.leader = leader;
    for (const listener of this.listeners) {
      try {
        listener(leader);
      } catch (err) {
        this.logger.error(`leadership listener failed: ${(err as Error).message}`);
      }
    }
  }
}
