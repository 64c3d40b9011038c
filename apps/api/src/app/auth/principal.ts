import { createParamDecorator, type ExecutionContext } from '@nestjs/common';

/** The authenticated caller of an `/api` request (absent when auth is off). */
export interface Principal {
  userId: string;
  email: string;
  name: string | null;
  /** Read from the database on every request, never from the token. */
  isAdmin: boolean;
  groups: string[];
  via: 'jwt' | 'api_key';
  /** Set when `via` is `api_key`. */
  apiKeyPrefix?: string;
}

export interface AuthenticatedRequest {
  user?: Principal;
}

/** The request's principal, or undefined when auth is off. */
export const CurrentPrincipal = createParamDecorator(
  (_: unknown, ctx: ExecutionContext): Principal | undefined =>
    ctx.switchToHttp().getRequest<AuthenticatedRequest>().user,
);
