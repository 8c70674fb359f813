import { CanActivate, ExecutionContext, Injectable, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { timingSafeEqual, createHash } from 'node:crypto';
import type { Request } from 'express';
import { UnauthorizedError } from './problems';

const PUBLIC = 'hookline:public';
/** Marks a route that needs no credentials (health, well-known documents, login). */
export const Public = () => SetMetadata(PUBLIC, true);

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

export type Principal = { kind: 'operator' };

declare module 'express' {
  interface Request {
    principal?: Principal;
  }
}

/** Until API accounts exist every admin endpoint takes the operator token. */
@Injectable()
export class OperatorAuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly operatorToken: string,
  ) {}

  canActivate(ctx: ExecutionContext): boolean {
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC, [ctx.getHandler(), ctx.getClass()])) return true;
    const req = ctx.switchToHttp().getRequest<Request>();
    const token = bearerToken(req);
    if (!token || !safeEqual(token, this.operatorToken)) throw new UnauthorizedError();
    req.principal = { kind: 'operator' };
    return true;
  }
}
