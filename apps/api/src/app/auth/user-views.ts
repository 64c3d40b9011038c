import type { UserRow } from '@stroem/db';

/** `GET /api/auth/me` (reference §3.2). */
export function meView(user: UserRow) {
  return {
    user_id: user.userId,
    name: user.name,
    email: user.email,
    is_admin: user.isAdmin,
    groups: user.groups,
    created_at: user.createdAt.toISOString(),
  };
}

/** `GET /api/users` item (reference §3.1): `me` plus how the user signs in and when last. */
export function userView(user: UserRow) {
  return {
    ...meView(user),
    auth_methods: [...(user.passwordHash !== null ? ['password'] : []), ...user.providers],
    last_login_at: user.lastLoginAt?.toISOString() ?? null,
  };
}
