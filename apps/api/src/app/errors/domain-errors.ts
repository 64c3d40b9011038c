/**
 * Errors services throw; the one exception filter turns them into `{ "error": message }` with
 * the status of their kind. Messages are shown to the caller as written.
 */
export type DomainErrorKind =
  | 'invalid'
  | 'unauthorized'
  | 'forbidden'
  | 'not-found'
  | 'conflict'
  | 'unprocessable'
  | 'payload-too-large'
  | 'too-many-requests';

export class DomainError extends Error {
  constructor(
    readonly kind: DomainErrorKind,
    message: string,
    /** 429: seconds the caller should wait (sent as `Retry-After`). */
    readonly retryAfterSecs?: number,
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

export const invalid = (message: string) => new DomainError('invalid', message);
export const notFound = (message: string) => new DomainError('not-found', message);
export const unauthorized = (message = 'Unauthorized') => new DomainError('unauthorized', message);
export const forbidden = (message = 'Forbidden') => new DomainError('forbidden', message);
export const tooManyRequests = (retryAfterSecs: number) =>
  new DomainError('too-many-requests', 'Too many requests', retryAfterSecs);
export const conflict = (message: string) => new DomainError('conflict', message);
export const unprocessable = (message: string) => new DomainError('unprocessable', message);
export const payloadTooLarge = (message: string) => new DomainError('payload-too-large', message);

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(value: string): boolean {
  return UUID.test(value);
}

/** Path parameter check: upstream answers 400 `Invalid job ID`. */
export function requireJobId(value: string): string {
  if (!isUuid(value)) throw invalid('Invalid job ID');
  return value.toLowerCase();
}
