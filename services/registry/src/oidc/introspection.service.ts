// RFC 7662 introspection of installations' access tokens. oidc-provider introspects only
// opaque tokens; these are JWTs, so this checks one against the provider's published keys
// and then against the registry as it is now: a token of an uninstalled app (or of a
// client since removed) is inactive at once, whatever its exp says.
import { Injectable } from '@nestjs/common';
import { jose, type Principal } from '@hookline/auth';
import { InstallationsRepository } from '../installations/installations.repository';
import { OidcProviderService } from './oidc-provider.service';
import { OidcStore } from './oidc-store';
import { OIDC_KEY_ALG } from './oidc-keys';

/** RFC 7662: an active token's claims (scope, client_id, sub, the tenant's and installation's ids, ...). */
export interface ActiveIntrospection {
  active: true;
  [claim: string]: unknown;
}

export type Introspection = { active: false } | ActiveIntrospection;

@Injectable()
export class IntrospectionService {
  constructor(
    private readonly provider: OidcProviderService,
    private readonly installations: InstallationsRepository,
    private readonly store: OidcStore,
  ) {}

  async introspect(p: Principal, token: string | undefined): Promise<Introspection> {
    if (!token || token.length > 16_384) return { active: false };
    const { createLocalJWKSet, jwtVerify } = await jose();
    let claims: Record<string, unknown>;
    try {
      const keys = createLocalJWKSet({ keys: (await this.provider.publicJwks()) as never[] });
      ({ payload: claims } = await jwtVerify(token, keys, { issuer: this.provider.issuer, algorithms: [OIDC_KEY_ALG], typ: 'at+jwt', clockTolerance: 5 }));
    } catch {
      return { active: false };
    }
    const clientId = typeof claims.client_id === 'string' ? claims.client_id : undefined;
    const inst = clientId ? await this.installations.findByClientId(clientId) : null;
    if (!inst || inst.status !== 'active' || !clientId || !(await this.store.get('Client', clientId))) return { active: false };
    // An account of another tenant learns nothing about this one's tokens.
    if (p.kind !== 'operator' && p.tenantId !== inst.tenantId) return { active: false };
    return { ...claims, active: true, token_type: 'Bearer' };
  }
}
