import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Users, their groups and SSO links, refresh tokens (rotated, in families: reusing a spent
 * token revokes its family) and API keys. Tokens and keys are stored as SHA-256 hex only.
 */
export class Users1767657600000 implements MigrationInterface {
  name = 'Users1767657600000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE "user" (
        user_id        uuid PRIMARY KEY,
        name           text,
        email          text NOT NULL,
        password_hash  text,
        is_admin       boolean NOT NULL DEFAULT false,
        created_at     timestamptz NOT NULL DEFAULT now(),
        last_login_at  timestamptz
      )`);
    await q.query(`CREATE UNIQUE INDEX user_email_key ON "user" (lower(email))`);
    await q.query(`
      CREATE TABLE user_auth_link (
        user_id      uuid NOT NULL REFERENCES "user"(user_id) ON DELETE CASCADE,
        provider_id  text NOT NULL,
        external_id  text NOT NULL,
        created_at   timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (user_id, provider_id),
        UNIQUE (provider_id, external_id)
      )`);
    await q.query(`
      CREATE TABLE user_group (
        group_name  text NOT NULL,
        user_id     uuid NOT NULL REFERENCES "user"(user_id) ON DELETE CASCADE,
        PRIMARY KEY (group_name, user_id)
      )`);
    await q.query(`CREATE INDEX user_group_user_idx ON user_group (user_id)`);
    await q.query(`
      CREATE TABLE refresh_token (
        token_hash  text PRIMARY KEY,
        user_id     uuid NOT NULL REFERENCES "user"(user_id) ON DELETE CASCADE,
        family_id   uuid NOT NULL,
        created_at  timestamptz NOT NULL DEFAULT now(),
        expires_at  timestamptz NOT NULL,
        used_at     timestamptz,
        revoked_at  timestamptz
      )`);
    await q.query(`CREATE INDEX refresh_token_family_idx ON refresh_token (family_id)`);
    await q.query(`CREATE INDEX refresh_token_user_idx ON refresh_token (user_id)`);
    await q.query(`
      CREATE TABLE api_key (
        key_hash      text PRIMARY KEY,
        user_id       uuid NOT NULL REFERENCES "user"(user_id) ON DELETE CASCADE,
        name          text NOT NULL,
        prefix        text NOT NULL UNIQUE,
        created_at    timestamptz NOT NULL DEFAULT now(),
        expires_at    timestamptz,
        last_used_at  timestamptz
      )`);
    await q.query(`CREATE INDEX api_key_user_idx ON api_key (user_id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE api_key, refresh_token, user_group, user_auth_link, "user"`);
  }
}
