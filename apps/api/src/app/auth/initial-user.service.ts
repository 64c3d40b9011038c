import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { UserRepository } from '@stroem/db';
import { SERVER_CONFIG, type ServerConfig } from '../config/server-config';
import { hashPassword, verifyPassword } from './passwords';

/** Seeds `auth.initial_user` at start: created if missing, password and admin flag enforced. */
@Injectable()
export class InitialUserService implements OnModuleInit {
  private readonly logger = new Logger('Auth');

  constructor(
    @Inject(SERVER_CONFIG) private readonly config: ServerConfig,
    private readonly users: UserRepository,
  ) {}

  async onModuleInit(): Promise<void> {
    const initial = this.config.auth?.initial_user;
    if (!initial) return;
    const existing = await this.users.findByEmail(initial.email);
    // Re-hashing on every start would change the hash for nothing; keep a matching one.
    const hash =
      existing?.passwordHash && (await verifyPassword(initial.password, existing.passwordHash))
        ? existing.passwordHash
        : await hashPassword(initial.password);
    const user = await this.users.seedInitial(initial.email, hash);
    this.logger.log(`initial user ${user.email} is an administrator`);
  }
}
