import { invalid } from '../errors/domain-errors';

/** A JSON object body, or 400. */
export function objectBody(body: unknown): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw invalid('Request body must be a JSON object');
  return body as Record<string, unknown>;
}

export function requiredString(body: Record<string, unknown>, field: string): string {
  const value = body[field];
  if (typeof value !== 'string' || value.trim() === '') throw invalid(`${field} is required`);
  return value;
}

export function optionalString(body: Record<string, unknown>, field: string): string | undefined {
  const value = body[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw invalid(`${field} must be a string`);
  return value;
}

const EMAIL = /^[^\s@]+@[^\s@]+$/;

export function emailField(body: Record<string, unknown>, field = 'email'): string {
  const email = requiredString(body, field).trim();
  if (email.length > 254 || !EMAIL.test(email)) throw invalid(`${field} is not an e-mail address`);
  return email.toLowerCase();
}
