import { randomUUID } from 'node:crypto';
import type { DataSource, EntityManager } from 'typeorm';

/** A user with its groups and the SSO providers linked to it. */
export interface UserRow {
  userId: string;
  name: string | null;
  email: string;
  passwordHash: string | null;
  isAdmin: boolean;
  createdAt: Date;
  lastLoginAt: Date | null;
  groups: string[];
  /** Provider ids of the SSO links. */
  providers: string[];
}

export interface NewUser {
  email: string;
  name?: string | null;
  passwordHash?: string | null;
  isAdmin?: boolean;
  groups?: string[];
}

export interface OidcIdentity {
  providerId: string;
  /** The IdP's `sub`. */
  externalId: string;
  email: string;
  /** false ⇒ never link to an existing account by e-mail. */
  emailVerified: boolean;
  name: string | null;
  defaultGroups: string[];
}

export type OidcProvisioning =
  { user: UserRow; created: boolean; linked: boolean } | { error: 'unverified-email' };

interface RawUser {
  user_id: string;
  name: string | null;
  email: string;
  password_hash: string | null;
  is_admin: boolean;
  created_at: Date;
  last_login_at: Date | null;
  groups: string[] | null;
  providers: string[] | null;
}

const SELECT_USER = `
  SELECT u.user_id, u.name, u.email, u.password_hash, u.is_admin, u.created_at, u.last_login_at,
         ARRAY(SELECT g.group_name FROM user_group g WHERE g.user_id = u.user_id
               ORDER BY g.group_name) AS groups,
         ARRAY(SELECT l.provider_id FROM user_auth_link l WHERE l.user_id = u.user_id
               ORDER BY l.provider_id) AS providers
    FROM "user" u`;

function toUser(raw: RawUser): UserRow {
  return {
    userId: raw.user_id,
    name: raw.name,
    email: raw.email,
    passwordHash: raw.password_hash,
    isAdmin: raw.is_admin,
    createdAt: raw.created_at,
    lastLoginAt: raw.last_login_at,
    groups: raw.groups ?? [],
    providers: raw.providers ?? [],
  };
}

type Runner = Pick<EntityManager, 'query'>;

/** Users, groups and SSO links. E-mail addresses are stored lower-cased. */
export class UserRepository {
  constructor(private readonly ds: DataSource) {}

  async findById(userId: string, runner: Runner = this.ds): Promise<UserRow | null> {
    const rows: RawUser[] = await runner.query(`${SELECT_USER} WHERE u.user_id = $1`, [userId]);
    return rows[0] ? toUser(rows[0]) : null;
  }

  async findByEmail(email: string, runner: Runner = this.ds): Promise<UserRow | null> {
    const rows: RawUser[] = await runner.query(`${SELECT_USER} WHERE lower(u.email) = lower($1)`, [
      email,
    ]);
    return rows[0] ? toUser(rows[0]) : null;
  }

  async list(limit: number, offset: number): Promise<{ items: UserRow[]; total: number }> {
    const rows: RawUser[] = await this.ds.query(
      `${SELECT_USER} ORDER BY u.created_at, u.email LIMIT $1 OFFSET $2`,
      [limit, offset],
    );
    const [{ total }] = (await this.ds.query(`SELECT count(*)::int AS total FROM "user"`)) as {
      total: number;
    }[];
    return { items: rows.map(toUser), total };
  }

  /** Inserts a user; null when the e-mail is taken. */
  async create(user: NewUser, runner: Runner = this.ds): Promise<UserRow | null> {
    const userId = randomUUID();
    const rows: unknown[] = await runner.query(
      `INSERT INTO "user" (user_id, name, email, password_hash, is_admin)
       VALUES ($1, $2, lower($3), $4, $5)
       ON CONFLICT DO NOTHING RETURNING user_id`,
      [userId, user.name ?? null, user.email, user.passwordHash ?? null, user.isAdmin ?? false],
    );
    if (rows.length === 0) return null;
    if (user.groups?.length) await this.addGroups(userId, user.groups, runner);
    return this.findById(userId, runner);
  }

  /**
   * The configured `initial_user`: created when missing, else its password is reset to the
   * configured one; either way it is an admin.
   */
  async seedInitial(email: string, passwordHash: string): Promise<UserRow> {
    await this.ds.query(
      `INSERT INTO "user" (user_id, email, password_hash, is_admin) VALUES ($1, lower($2), $3, true)
       ON CONFLICT ((lower(email))) DO UPDATE SET password_hash = EXCLUDED.password_hash, is_admin = true`,
      [randomUUID(), email, passwordHash],
    );
    const user = await this.findByEmail(email);
    if (!user) throw new Error(`initial user ${email} was not stored`);
    return user;
  }

  async setPasswordHash(userId: string, passwordHash: string): Promise<void> {
    await this.ds.query(`UPDATE "user" SET password_hash = $2 WHERE user_id = $1`, [
      userId,
      passwordHash,
    ]);
  }

  async touchLogin(userId: string): Promise<void> {
    await this.ds.query(`UPDATE "user" SET last_login_at = now() WHERE user_id = $1`, [userId]);
  }

  async setAdmin(userId: string, isAdmin: boolean): Promise<boolean> {
    const [, affected] = (await this.ds.query(
      `UPDATE "user" SET is_admin = $2 WHERE user_id = $1`,
      [userId, isAdmin],
    )) as [unknown, number];
    return affected > 0;
  }

  async addGroups(userId: string, groups: string[], runner: Runner = this.ds): Promise<void> {
    if (groups.length === 0) return;
    await runner.query(
      `INSERT INTO user_group (group_name, user_id) SELECT unnest($2::text[]), $1
       ON CONFLICT DO NOTHING`,
      [userId, groups],
    );
  }

  /** Replaces all of the user's groups; false when there is no such user. */
  async setGroups(userId: string, groups: string[]): Promise<boolean> {
    return this.ds.transaction(async (tx) => {
      const rows: unknown[] = await tx.query(`SELECT 1 FROM "user" WHERE user_id = $1 FOR UPDATE`, [
        userId,
      ]);
      if (rows.length === 0) return false;
      await tx.query(`DELETE FROM user_group WHERE user_id = $1`, [userId]);
      await this.addGroups(userId, groups, tx);
      return true;
    });
  }

  async delete(userId: string): Promise<boolean> {
    const [, affected] = (await this.ds.query(`DELETE FROM "user" WHERE user_id = $1`, [
      userId,
    ])) as [unknown, number];
    return affected > 0;
  }

  async groupNames(): Promise<string[]> {
    const rows: { group_name: string }[] = await this.ds.query(
      `SELECT DISTINCT group_name FROM user_group ORDER BY group_name`,
    );
    return rows.map((r) => r.group_name);
  }

  /**
   * Just-in-time SSO provisioning, race-free (a transaction-scoped advisory lock serialises
   * concurrent logins): an existing link ⇒ its user; else a user with the same e-mail is
   * linked (only when the IdP verified the address); else a new user with the provider's
   * default groups — the very first user of the installation becomes admin.
   */
  async provisionFromOidc(identity: OidcIdentity): Promise<OidcProvisioning> {
    return this.ds.transaction(async (tx) => {
      await tx.query(`SELECT pg_advisory_xact_lock(hashtext('stroem.user.provision'))`);
      const linked: { user_id: string }[] = await tx.query(
        `SELECT user_id FROM user_auth_link WHERE provider_id = $1 AND external_id = $2`,
        [identity.providerId, identity.externalId],
      );
      if (linked[0]) {
        const user = await this.findById(linked[0].user_id, tx);
        if (user) return { user, created: false, linked: false };
      }
      let user = await this.findByEmail(identity.email, tx);
      let created = false;
      if (user) {
        if (!identity.emailVerified) return { error: 'unverified-email' as const };
      } else {
        const [{ n }] = (await tx.query(`SELECT count(*)::int AS n FROM "user"`)) as {
          n: number;
        }[];
        user = await this.create(
          {
            email: identity.email,
            name: identity.name,
            isAdmin: n === 0,
            groups: identity.defaultGroups,
          },
          tx,
        );
        if (!user) throw new Error(`could not create user ${identity.email}`);
        created = true;
      }
      await tx.query(
        `INSERT INTO user_auth_link (user_id, provider_id, external_id) VALUES ($1, $2, $3)
         ON CONFLICT (user_id, provider_id) DO UPDATE SET external_id = EXCLUDED.external_id`,
        [user.userId, identity.providerId, identity.externalId],
      );
      const fresh = await this.findById(user.userId, tx);
      return { user: fresh ?? user, created, linked: !created };
    });
  }
}
