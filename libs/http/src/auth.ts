// Authentication at the HTTP edge: every route needs the operator token or an access
// token (a JWT from POST /v1/auth/login or /oauth/token) unless marked @Public().
// The guard turns the credential into a Principal on the request. It fails closed: a
// route takes access tokens only when it says so, with @Requires(...actions) or
// @Authenticated(); any other route is operator-only. Services then check the objects
// themselves (tenant, unit, topic) against the principal's grants.
import { CanActivate, createParamDecorator, ExecutionContext, Inject, Injectable, Optional, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { hash, timingSafeEqual } from 'node:crypto';
import type { Request } from 'express';
import type { IncomingHttpHeaders } from 'node:http';
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

/**
 * Who may call a handler, from its decorators (the handler's own win over its class's):
 * anyone, the operator only, any authenticated caller, or callers holding these actions.
 * The guard enforces it; the OpenAPI document describes each operation's security from it.
 */
export type AccessRule = { kind: 'public' } | { kind: 'operator' } | { kind: 'authenticated' } | { kind: 'requires'; actions: string[] };

export function accessRuleOf(handler: Function, cls: Function, reflector: Reflector = new Reflector()): AccessRule {
  const targets = [handler, cls];
  if (reflector.getAllAndOverride<boolean>(PUBLIC, targets)) return { kind: 'public' };
  const required = reflector.getAllAndOverride<string[] | undefined>(REQUIRES, targets);
  if (reflector.getAllAndOverride<boolean>(OPERATOR_ONLY, targets)) return { kind: 'operator' };
  if (required !== undefined) return { kind: 'requires', actions: required };
  // Fails closed: a handler that names neither actions nor @Authenticated is operator-only.
  return reflector.getAllAndOverride<boolean>(ANY_PRINCIPAL, targets) ? { kind: 'authenticated' } : { kind: 'operator' };
}

/** The authenticated caller, as a handler parameter. */
export const CurrentPrincipal = createParamDecorator((_data: unknown, ctx: ExecutionContext): Principal => {
  const principal = ctx.switchToHttp().getRequest<Request>().principal;
  if (!principal) throw new UnauthorizedError();
  return principal;
});

export function bearerToken(req: { headers: IncomingHttpHeaders }): string | undefined {
  const h = req.headers.authorization;
  if (!h) return undefined;
  const m = /^Bearer\s+(\S+)$/i.exec(h);
  return m?.[1];
}

/** What safeEqual compares a string as: its SHA-256 digest (so lengths do not leak). */
export function secretDigest(secret: string): Buffer {
  return hash('sha256', secret, 'buffer') as unknown as Buffer;
}

/** Constant-time comparison of a presented string with a secret's digest made once up front (secretDigest). */
export function matchesDigest(presented: string, digest: Buffer): boolean {
  return timingSafeEqual(secretDigest(presented), digest);
}

/** Constant-time string comparison (hashing first so lengths do not leak). */
export function safeEqual(a: string, b: string): boolean {
  return matchesDigest(a, secretDigest(b));
}

declare module 'express' {
  interface Request {
    principal?: Principal;
  }
}

@Injectable()
export class AuthGuard implements CanActivate {
  /** The operator token's digest, made once: a request's token is hashed, the operator's is not hashed again. */
  private readonly operatorDigest: Buffer;

  constructor(
    private readonly reflector: Reflector,
    @Inject(OPERATOR_TOKEN) operatorToken: string,
    @Optional() @Inject(ACCESS_TOKEN_VERIFIER) private readonly verifier?: AccessTokenVerifier,
    @Optional() @Inject(PRINCIPAL_REFRESHER) private readonly refresher?: PrincipalRefresher,
  ) {
    this.operatorDigest = secretDigest(operatorToken);
  }

  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    const rule = accessRuleOf(ctx.getHandler(), ctx.getClass(), this.reflector);
    if (rule.kind === 'public') return true;
    const req = ctx.switchToHttp().getRequest<Request>();
    req.principal = await this.admit(bearerToken(req), rule);
    return true;
  }

  /** The principal behind the credential if the rule lets it through; throws 401 or 403 otherwise (HTTP and gRPC alike). */
  async admit(token: string | undefined, rule: AccessRule): Promise<Principal> {
    const principal = await this.authenticate(token);
    if (!principal) throw new UnauthorizedError();
    if (principal.kind === 'operator' || rule.kind === 'public') return principal;
    if (rule.kind === 'operator') throw new ForbiddenError('this endpoint needs the operator token');
    const missing = rule.kind === 'requires' ? rule.actions.filter((a) => !principalHolds(principal, a)) : [];
    if (missing.length > 0) throw new ForbiddenError(`this endpoint needs the ${missing.join(', ')} permission`);
    return principal;
  }

  /** The operator token, or a valid access token (re-checked against current state where the service can). */
  async authenticate(token: string | undefined): Promise<Principal | undefined> {
    if (!token) return undefined;
    if (matchesDigest(token, this.operatorDigest)) return OPERATOR;
    if (!this.verifier || !looksLikeJwt(token)) return undefined;
    const principal = await this.verifier.verify(token);
    if (!principal) return undefined;
    return this.refresher ? this.refresher.refresh(principal) : principal;
  }
}
