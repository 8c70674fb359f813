// Authentication at the HTTP edge: every route needs the operator token or an access
// token (a JWT from POST /v1/auth/login or /oauth/token) unless marked @Public().
// The guard turns the credential into a Principal on the request. It fails closed: a
// route takes access tokens only when it says so, with @Requires(...actions) or
// @Authenticated(); any other route is operator-only. Services then check the objects
// themselves (tenant, unit, topic) against the principal's grants.
import { CanActivate, createParamDecorator, ExecutionContext, Inject, Injectable, Optional, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Request } from 'express';
import {
  ACCESS_TOKEN_VERIFIER,
  AccessTokenVerifier,
  looksLikeJwt,
  OPERATOR,
  PRINCIPAL_REFRESHER,
  principalHolds,
  type Principal,
  type PrincipalRefresher,
} from '@hookline/auth';
import { ForbiddenError, UnauthorizedError } from './problems';

export type { Principal };

const PUBLIC = 'hookline:public';
const OPERATOR_ONLY = 'hookline:operator-only';
const REQUIRES = 'hookline:requires';
const ANY_PRINCIPAL = 'hookline:any-principal';

/** Injection token for the operator token the guard compares against. */
export const OPERATOR_TOKEN = Symbol('HOOKLINE_OPERATOR_TOKEN');

/** Marks a route that needs no credentials (health, well-known documents, login). */
export const Public = () => SetMetadata(PUBLIC, true);

/** Operator work (tenants): an access token gets 403 whatever its grants. Also what a route without @Requires or @Authenticated gets. */
export const OperatorOnly = () => SetMetadata(OPERATOR_ONLY, true);

/** Any authenticated caller, whatever its grants (e.g. "who am I"). */
export const Authenticated = () => SetMetadata(ANY_PRINCIPAL, true);

/**
 * The actions a route needs, on at least some unit or topic; the operator has them all.
 * This is the coarse check at the edge: the service still checks the object itself
 * (its tenant, unit and topic) against the principal's grants.
 */
export const Requires = (...actions: string[]) => SetMetadata(REQUIRES, actions);

/** The authenticated caller, as a handler parameter. */
export const CurrentPrincipal = createParamDecorator((_data: unknown, ctx: ExecutionContext): Principal => {
  const principal = ctx.switchToHttp().getRequest<Request>().principal;
  if (!principal) throw new UnauthorizedError();
  return principal;
});

export function bearerToken(req: Request): string | undefined {
  const h = req.headers.authorization;
  if (!h) return undefined;
  const m = /^Bearer\s+(\S+)$/i.exec(h);
  return m?.[1];
}

/** Constant-time string comparison (hashing first so lengths do not leak). */
export function safeEqual(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a).digest();
  const hb = createHash('sha256').update(b).digest();
  return timingSafeEqual(ha, hb);
}

declare module 'express' {
  interface Request {
    principal?: Principal;
  }
}

@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    @Inject(OPERATOR_TOKEN) private readonly operatorToken: string,
    @Optional() @Inject(ACCESS_TOKEN_VERIFIER) private readonly verifier?: AccessTokenVerifier,
    @Optional() @Inject(PRINCIPAL_REFRESHER) private readonly refresher?: PrincipalRefresher,
  ) {}

  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    const targets = [ctx.getHandler(), ctx.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC, targets)) return true;
    const req = ctx.switchToHttp().getRequest<Request>();
    const principal = await this.authenticate(bearerToken(req));
    if (!principal) throw new UnauthorizedError();
    req.principal = principal;
    if (principal.kind === 'operator') return true;
    const required = this.reflector.getAllAndOverride<string[] | undefined>(REQUIRES, targets);
    const anyPrincipal = this.reflector.getAllAndOverride<boolean>(ANY_PRINCIPAL, targets);
    if (this.reflector.getAllAndOverride<boolean>(OPERATOR_ONLY, targets) || (required === undefined && !anyPrincipal)) {
      throw new ForbiddenError('this endpoint needs the operator token');
    }
    const missing = (required ?? []).filter((a) => !principalHolds(principal, a));
    if (missing.length > 0) throw new ForbiddenError(`this endpoint needs the ${missing.join(', ')} permission`);
    return true;
  }

  /** The operator token, or a valid access token (re-checked against current state where the service can). */
  async authenticate(token: string | undefined): Promise<Principal | undefined> {
    if (!token) return undefined;
    if (safeEqual(token, this.operatorToken)) return OPERATOR;
    if (!this.verifier || !looksLikeJwt(token)) return undefined;
    const principal = await this.verifier.verify(token);
    if (!principal) return undefined;
    return this.refresher ? this.refresher.refresh(principal) : principal;
  }
}
