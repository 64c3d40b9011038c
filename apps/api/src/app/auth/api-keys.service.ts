import { randomBytes } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { CredentialRepository, type ApiKeyRow } from '@stroem/db';
import { invalid } from '../errors/domain-errors';
import { API_KEY_PREFIX } from './authenticator.service';
import { objectBody } from './request-body';
import { sha256Hex } from './token-hash';

const PREFIX_LENGTH = 12;
const MAX_EXPIRY_DAYS = 3650;

function keyView(row: ApiKeyRow) {
  return {
    prefix: row.prefix,
    name: row.name,
    created_at: row.createdAt.toISOString(),
    expires_at: row.expiresAt?.toISOString() ?? null,
    last_used_at: row.lastUsedAt?.toISOString() ?? null,
  };
}

/** API keys `strm_` + 32 hex: shown once at creation, stored as a SHA-256 hash. */
@Injectable()
export class ApiKeysService {
  constructor(private readonly credentials: CredentialRepository) {}

  async create(userId: string, body: unknown) {
    const fields = objectBody(body);
    const name = fields['name'];
    if (typeof name !== 'string' || name.trim() === '') throw invalid('name is required');
    if (name.length > 200) throw invalid('name must be at most 200 characters');
    const days = fields['expires_in_days'];
    if (
      days !== undefined &&
      days !== null &&
      (typeof days !== 'number' || !Number.isInteger(days) || days < 1 || days > MAX_EXPIRY_DAYS)
    )
      throw invalid(`expires_in_days must be an integer from 1 to ${MAX_EXPIRY_DAYS}`);
    const key = `${API_KEY_PREFIX}${randomBytes(16).toString('hex')}`;
    const row = await this.credentials.createApiKey({
      keyHash: sha256Hex(key),
      userId,
      name: name.trim(),
      prefix: key.slice(0, PREFIX_LENGTH),
      expiresInDays: typeof days === 'number' ? days : null,
    });
    return {
      key,
      name: row.name,
      prefix: row.prefix,
      expires_at: row.expiresAt?.toISOString() ?? null,
    };
  }

  async list(userId: string) {
    return (await this.credentials.listApiKeys(userId)).map(keyView);
  }

  revoke(userId: string, prefix: string): Promise<boolean> {
    return this.credentials.deleteApiKey(userId, prefix);
  }
}
