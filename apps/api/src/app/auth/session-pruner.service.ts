import {
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnModuleDestroy,
} from '@nestjs/common';
import { CredentialRepository } from '@stroem/db';
import { AuthSettings } from './auth-settings';
import { LeaderElection } from '../leadership/leader-election.service';
import { PeriodicPass } from '../leadership/periodic-pass';

const PRUNE_INTERVAL_SECS = 3600;

/**
 * Hourly on the leader: refresh tokens expired for more than a day are deleted (spent and
 * revoked ones stay until then, so a replayed token is still recognised and its family revoked).
 */
@Injectable()
export class SessionPruner implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly periodic = new PeriodicPass('pruning refresh tokens', new Logger('Auth'), () =>
    this.credentials.pruneRefreshTokens(),
  );

  constructor(
    private readonly settings: AuthSettings,
    private readonly credentials: CredentialRepository,
    private readonly leadership: LeaderElection,
  ) {}

  onApplicationBootstrap(): void {
    if (this.settings.enabled)
      this.periodic.start(PRUNE_INTERVAL_SECS, () => this.leadership.isLeader());
  }

  onModuleDestroy(): Promise<void> {
    return this.periodic.stop();
  }

  /** Deletes the expired tokens; returns how many. */
  pruneOnce(): Promise<number> {
    return this.periodic.runOnce();
  }
}
