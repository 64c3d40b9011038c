import { createHash, timingSafeEqual } from 'node:crypto';
import type { JsonObject, JsonValue, WebhookTrigger } from '@stroem/workflow';

/** Keys of a webhook job's input that the trigger's `input` defaults never overwrite. */
export const RESERVED_INPUT_KEYS = ['body', 'headers', 'method', 'query'] as const;

export interface IncomingWebhook {
  method: string;
  headers: Record<string, string | string[] | undefined>;
  query: Record<string, unknown>;
  /** The raw bytes (the `/hooks` body parser stores a Buffer), absent when there was none. */
  body: Buffer | undefined;
}

/**
 * `body` per reference §3.3: GET → null; empty → null; a JSON content type → the parsed value
 * (the raw text when it does not parse); anything else → the raw UTF-8 text.
 */
export function webhookBody(req: IncomingWebhook): JsonValue {
  if (req.method.toUpperCase() === 'GET') return null;
  if (!req.body || req.body.length === 0) return null;
  const text = req.body.toString('utf8');
  const contentType = String(req.headers['content-type'] ?? '').toLowerCase();
  if (contentType.includes('application/json')) {
    try {
      return JSON.parse(text) as JsonValue;
    } catch {
      return text;
    }
  }
  return text;
}

/** All request headers: lowercase names (Node already lowercases), string values. */
export function webhookHeaders(headers: IncomingWebhook['headers']): JsonObject {
  const out: JsonObject = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    out[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

/** Every query parameter but `secret`; a repeated one keeps its first value. */
export function webhookQuery(query: Record<string, unknown>): JsonObject {
  const out: JsonObject = {};
  for (const [name, value] of Object.entries(query)) {
    if (name === 'secret') continue;
    const first = Array.isArray(value) ? value[0] : value;
    if (typeof first === 'string') out[name] = first;
  }
  return out;
}

/** `{body, headers, method, query}` plus the trigger's `input` defaults (reserved keys win). */
export function webhookJobInput(req: IncomingWebhook, trigger: WebhookTrigger): JsonObject {
  const input: JsonObject = {
    body: webhookBody(req),
    headers: webhookHeaders(req.headers),
    method: req.method.toUpperCase(),
    query: webhookQuery(req.query),
  };
  for (const [key, value] of Object.entries(trigger.input ?? {})) {
    if ((RESERVED_INPUT_KEYS as readonly string[]).includes(key)) continue;
    input[key] = value;
  }
  return input;
}

export type SecretSource = 'bearer' | 'query';

/**
 * The caller's secret: `Authorization: Bearer <secret>` first, else `?secret=`. Null when
 * neither is present.
 */
export function presentedSecret(
  req: IncomingWebhook,
): { value: string; source: SecretSource } | null {
  const auth = req.headers['authorization'];
  const header = Array.isArray(auth) ? auth[0] : auth;
  const bearer = header ? /^Bearer\s+(.+)$/i.exec(header.trim()) : null;
  if (bearer) return { value: bearer[1], source: 'bearer' };
  const q = req.query['secret'];
  const query = Array.isArray(q) ? q[0] : q;
  if (typeof query === 'string') return { value: query, source: 'query' };
  return null;
}

/** SHA-256 both sides, then a constant-time compare (no length leak). */
export function secretMatches(expected: string, presented: string): boolean {
  const a = createHash('sha256').update(expected, 'utf8').digest();
  const b = createHash('sha256').update(presented, 'utf8').digest();
  return timingSafeEqual(a, b);
}
