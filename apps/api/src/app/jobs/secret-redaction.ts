/** Workspace secret values (longer than 3 characters) and `ref+…` strings never leave the API. */
import type { JsonValue } from '@stroem/workflow';

export const REDACTED = '••••••';

function secretStrings(value: JsonValue, out: string[]): string[] {
  if (typeof value === 'string') {
    if (value.length > 3) out.push(value);
  } else if (Array.isArray(value)) value.forEach((v) => secretStrings(v, out));
  else if (value !== null && typeof value === 'object')
    Object.values(value).forEach((v) => secretStrings(v, out));
  return out;
}

export function redactor(secrets: Record<string, JsonValue>): <T>(value: T) => T {
  const values = secretStrings(secrets as JsonValue, []).sort((a, b) => b.length - a.length);
  const redact = (value: unknown): unknown => {
    if (typeof value === 'string') {
      if (value.startsWith('ref+')) return REDACTED;
      return values.reduce((text, secret) => text.split(secret).join(REDACTED), value);
    }
    if (Array.isArray(value)) return value.map(redact);
    if (value !== null && typeof value === 'object' && !(value instanceof Date)) {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redact(v)]));
    }
    return value;
  };
  return <T>(value: T) => redact(value) as T;
}
