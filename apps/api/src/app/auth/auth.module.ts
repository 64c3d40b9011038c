import { Global, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { LeadershipModule } from '../leadership/leadership.module';
import { WorkspaceModule } from '../workspace/workspace.module';
import { AccessTokens } from './access-tokens.service';
import { AclService } from './acl.service';
import { ApiAuthGuard } from './api-auth.guard';
import { ApiKeysService } from './api-keys.service';
import { AuthController } from './auth.controller';
import { AuthSettings } from './auth-settings';
import { Authenticator } from './authenticator.service';
import { InitialUserService } from './initial-user.service';
import { OidcController } from './oidc/oidc.controller';
import { OidcDiscoveryService } from './oidc/oidc-discovery.service';
import { OidcLoginService } from './oidc/oidc-login.service';
import { RateLimitGuard } from './rate-limit.guard';
import { SessionPruner } from './session-pruner.service';
import { SessionService } from './session.service';
import { UsersController } from './users.controller';

/**
 * Users, sessions, API keys, SSO and the ACL. Global: every controller may ask who is calling
 * (`@CurrentPrincipal()`) and what they may do (`AclService`).
 */
@Global()
@Module({
  imports: [WorkspaceModule, LeadershipModule],
  controllers: [AuthController, UsersController, OidcController],
  providers: [
    AuthSettings,
    AccessTokens,
    Authenticator,
    SessionService,
    ApiKeysService,
    AclService,
    RateLimitGuard,
    InitialUserService,
    SessionPruner,
    OidcDiscoveryService,
    OidcLoginService,
    { provide: APP_GUARD, useClass: ApiAuthGuard },
  ],
  exports: [AuthSettings, AccessTokens, Authenticator, SessionService, AclService, RateLimitGuard],
})
export class AuthModule {}
