import { createHash, randomBytes } from 'node:crypto';

/** Stored form of refresh tokens and API keys: SHA-256 hex, never the secret itself. */
export function sha256Hex(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

/** 256 bits of randomness, URL-safe. */
export function randomToken(): string {
  return randomBytes(32).toString('base64url');
}
