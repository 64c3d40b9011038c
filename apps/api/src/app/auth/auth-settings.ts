import { Inject, Injectable } from '@nestjs/common';
import { SERVER_CONFIG, type AuthConfig, type ServerConfig } from '../config/server-config';
import { invalid } from '../errors/domain-errors';

/** What the auth configuration allows, for controllers and `GET /api/config`. */
@Injectable()
export class AuthSettings {
  readonly auth: AuthConfig | undefined;
  readonly aclEnabled: boolean;

  constructor(@Inject(SERVER_CONFIG) config: ServerConfig) {
    this.auth = config.auth;
    this.aclEnabled = config.auth !== undefined && config.acl !== undefined;
  }

  get enabled(): boolean {
    return this.auth !== undefined;
  }

  /** Auth on and no providers configured, or an `internal` one among them (upstream). */
  get hasInternalAuth(): boolean {
    if (!this.auth) return false;
    const providers = Object.values(this.auth.providers);
    return providers.length === 0 || providers.some((p) => p.provider_type === 'internal');
  }

  get oidcProviders(): { id: string; display_name: string }[] {
    return Object.entries(this.auth?.providers ?? {})
      .filter(([, p]) => p.provider_type === 'oidc')
      .map(([id, p]) => ({ id, display_name: p.display_name }));
  }

  /** 400 when the server runs without `auth`. */
  requireAuth(): AuthConfig {
    if (!this.auth) throw invalid('Authentication is not configured on this server');
    return this.auth;
  }
}
