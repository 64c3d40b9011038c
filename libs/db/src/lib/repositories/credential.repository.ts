import type { DataSource } from 'typeorm';

export interface ApiKeyRow {
  keyHash: string;
  userId: string;
  name: string;
  prefix: string;
  createdAt: Date;
  expiresAt: Date | null;
  lastUsedAt: Date | null;
}

/** What presenting a refresh token did. */
export type RefreshOutcome =
  | { kind: 'rotated'; userId: string; familyId: string }
  /** The token was already spent or revoked: its whole family is revoked now. */
  | { kind: 'reused'; userId: string; familyId: string }
  | { kind: 'expired' }
  | { kind: 'unknown' };

interface RawApiKey {
  key_hash: string;
  user_id: string;
  name: string;
  prefix: string;
  created_at: Date;
  expires_at: Date | null;
  last_used_at: Date | null;
}

function toApiKey(raw: RawApiKey): ApiKeyRow {
  return {
    keyHash: raw.key_hash,
    userId: raw.user_id,
    name: raw.name,
    prefix: raw.prefix,
    createdAt: raw.created_at,
    expiresAt: raw.expires_at,
    lastUsedAt: raw.last_used_at,
  };
}

/** Refresh tokens and API keys; callers pass SHA-256 hashes, never the secrets. */
export class CredentialRepository {
  constructor(private readonly ds: DataSource) {}

  async storeRefreshToken(
    tokenHash: string,
    userId: string,
    familyId: string,
    ttlSecs: number,
  ): Promise<void> {
    await this.ds.query(
      `INSERT INTO refresh_token (token_hash, user_id, family_id, expires_at)
       VALUES ($1, $2, $3, now() + make_interval(secs => $4))`,
      [tokenHash, userId, familyId, ttlSecs],
    );
  }

  /**
   * Spends a refresh token (once: the UPDATE is atomic). A token presented again after it was
   * spent — a stolen copy, or the legitimate one after theft — revokes every token of its family.
   */
  async spendRefreshToken(tokenHash: string): Promise<RefreshOutcome> {
    // An UPDATE answers [rows, affected] through TypeORM's query().
    const [spent] = (await this.ds.query(
      `UPDATE refresh_token SET used_at = now()
        WHERE token_hash = $1 AND used_at IS NULL AND revoked_at IS NULL AND expires_at > now()
        RETURNING user_id, family_id`,
      [tokenHash],
    )) as [{ user_id: string; family_id: string }[], number];
    if (spent[0])
      return { kind: 'rotated', userId: spent[0].user_id, familyId: spent[0].family_id };
    const rows: {
      user_id: string;
      family_id: string;
      used_at: Date | null;
      revoked_at: Date | null;
    }[] = await this.ds.query(
      `SELECT user_id, family_id, used_at, revoked_at FROM refresh_token WHERE token_hash = $1`,
      [tokenHash],
    );
    const row = rows[0];
    if (!row) return { kind: 'unknown' };
    if (row.used_at === null && row.revoked_at === null) return { kind: 'expired' };
    await this.revokeFamily(row.family_id);
    return { kind: 'reused', userId: row.user_id, familyId: row.family_id };
  }

  async revokeFamily(familyId: string): Promise<void> {
    await this.ds.query(
      `UPDATE refresh_token SET revoked_at = now() WHERE family_id = $1 AND revoked_at IS NULL`,
      [familyId],
    );
  }

  /** Logout: the token's family (this session) ends. */
  async revokeFamilyOf(tokenHash: string): Promise<void> {
    await this.ds.query(
      `UPDATE refresh_token SET revoked_at = now()
        WHERE revoked_at IS NULL
          AND family_id = (SELECT family_id FROM refresh_token WHERE token_hash = $1)`,
      [tokenHash],
    );
  }

  /** Every session of the user ends (password change). */
  async revokeUserRefreshTokens(userId: string): Promise<void> {
    await this.ds.query(
      `UPDATE refresh_token SET revoked_at = now() WHERE user_id = $1 AND revoked_at IS NULL`,
      [userId],
    );
  }

  /** Drops tokens expired for more than a day (revoked ones are kept until then for reuse detection). */
  async pruneRefreshTokens(): Promise<number> {
    const [, affected] = (await this.ds.query(
      `DELETE FROM refresh_token WHERE expires_at < now() - interval '1 day'`,
    )) as [unknown, number];
    return affected;
  }

  async createApiKey(key: {
    keyHash: string;
    userId: string;
    name: string;
    prefix: string;
    expiresInDays: number | null;
  }): Promise<ApiKeyRow> {
    const rows: RawApiKey[] = await this.ds.query(
      `INSERT INTO api_key (key_hash, user_id, name, prefix, expires_at)
       VALUES ($1, $2, $3, $4,
               CASE WHEN $5::int IS NULL THEN NULL ELSE now() + make_interval(days => $5::int) END)
       RETURNING *`,
      [key.keyHash, key.userId, key.name, key.prefix, key.expiresInDays],
    );
    return toApiKey(rows[0]);
  }

  /** The key when it exists and has not expired; its `last_used_at` is bumped. */
  async useApiKey(keyHash: string): Promise<ApiKeyRow | null> {
    const [rows] = (await this.ds.query(
      `UPDATE api_key SET last_used_at = now()
        WHERE key_hash = $1 AND (expires_at IS NULL OR expires_at > now())
        RETURNING *`,
      [keyHash],
    )) as [RawApiKey[], number];
    return rows[0] ? toApiKey(rows[0]) : null;
  }

  async listApiKeys(userId: string): Promise<ApiKeyRow[]> {
    const rows: RawApiKey[] = await this.ds.query(
      `SELECT * FROM api_key WHERE user_id = $1 ORDER BY created_at DESC, prefix`,
      [userId],
    );
    return rows.map(toApiKey);
  }

  async deleteApiKey(userId: string, prefix: string): Promise<boolean> {
    const [, affected] = (await this.ds.query(
      `DELETE FROM api_key WHERE user_id = $1 AND prefix = $2`,
      [userId, prefix],
    )) as [unknown, number];
    return affected > 0;
  }
}
