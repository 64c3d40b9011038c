import {
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnModuleDestroy,
} from '@nestjs/common';
import { CredentialRepository } from '@stroem/db';
import { AuthSettings } from './auth-settings';
import { LeaderElection } from '../leadership/leader-election.service';

const PRUNE_INTERVAL_MS = 3600_000;

/**
 * Hourly on the leader: refresh tokens expired for more than a day are deleted (spent and
 * revoked ones stay until then, so a replayed token is still recognised and its family revoked).
 */
@Injectable()
export class SessionPruner implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('Auth');
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly settings: AuthSettings,
    private readonly credentials: CredentialRepository,
    private readonly leadership: LeaderElection,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.settings.enabled) return;
    this.timer = setInterval(() => {
      if (!this.leadership.isLeader()) return;
      this.pruneOnce().catch((err: unknown) =>
        this.logger.error(`pruning refresh tokens failed: ${(err as Error).message}`),
      );
    }, PRUNE_INTERVAL_MS);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
  }

  /** Deletes the expired tokens; returns how many. */
  pruneOnce(): Promise<number> {
    return this.credentials.pruneRefreshTokens();
  }
}
