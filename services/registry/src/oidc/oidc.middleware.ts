import { Injectable, NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { OidcProviderService } from './oidc-provider.service';
import { OIDC_MOUNT } from './provider-urls';

/** Paths under /oidc that Nest controllers answer (oidc.controller.ts); the provider answers the rest. */
const OURS = [`${OIDC_MOUNT}/interaction/`, `${OIDC_MOUNT}/token/introspection`];

@Injectable()
export class OidcMiddleware implements NestMiddleware {
  constructor(private readonly provider: OidcProviderService) {}

  use(req: Request, res: Response, next: NextFunction): void {
    const path = req.originalUrl.split('?')[0];
    if (OURS.some((p) => path === p || (p.endsWith('/') && path.startsWith(p)))) {
      next();
      return;
    }
    this.provider.handle(req, res).catch(next);
  }
}
