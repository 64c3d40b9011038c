/**
 * The auth endpoints the CLI calls (reference §3.1 `GET /api/config`, §3.2). Hand-written shapes
 * until the CLI uses the client generated from the OpenAPI document.
 */
import type { RemoteClient } from './remote-client';

/** `GET /api/config` (public). */
export interface ServerAuthConfig {
  auth_required: boolean;
  has_internal_auth: boolean;
  oidc_providers: { id: string; display_name: string }[];
  acl_enabled: boolean;
  version: string;
}

/** `GET /api/auth/me`. */
export interface CurrentUser {
  user_id: string;
  name: string | null;
  email: string;
  is_admin: boolean;
  groups: string[];
  created_at: string;
}

export function fetchServerAuthConfig(client: RemoteClient): Promise<ServerAuthConfig> {
  return client.get<ServerAuthConfig>('/api/config', { authenticate: false });
}

export function fetchCurrentUser(client: RemoteClient): Promise<CurrentUser> {
  return client.get<CurrentUser>('/api/auth/me');
}
