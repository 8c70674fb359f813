// Access tokens on the read API are honoured only while the registry's change history
// agrees: a disabled, deleted or re-credentialed account, and a deleted user, stop
// reading as soon as the change reaches this service, and changed grants (the account's,
// or the units a user may see) apply at once. An account or user the view does not know
// (yet) keeps the claims of its signed token.
import { Injectable } from '@nestjs/common';
import { holdsAction, impersonationGrants, tokenPredatesCredentials, type Principal, type PrincipalRefresher } from '@hookline/auth';
import { ListenersViewProvider } from './listeners-view.provider';

@Injectable()
export class ViewPrincipalRefresher implements PrincipalRefresher {
  constructor(private readonly views: ListenersViewProvider) {}

  async refresh(p: Principal): Promise<Principal | undefined> {
    if (p.kind === 'operator') return p;
    const a = this.views.view.account(p.tenantId, p.accountId);
    if (a === 'deleted' || (a !== undefined && !a.enabled)) return undefined;
    if (a !== undefined && tokenPredatesCredentials(p, a.credentialsIssuedAt)) return undefined;
    if (p.kind === 'account') return a === undefined ? p : { ...p, grants: a.grants };
    const u = this.views.view.user(p.tenantId, p.userId);
    if (u === 'deleted') return undefined;
    if (a === undefined || u === undefined) return p;
    // As the registry decides at each request: acting as a user needs users:impersonate.
    if (!holdsAction(a.grants, 'users:impersonate')) return undefined;
    // The account's grants limited to the user's units. The view keeps no unit tree, so a
    // unit covers only itself here: listeners are tenant-wide (listeners:read needs units
    // "*", which the intersection keeps exactly), and nothing else is checked in this service.
    return { ...p, grants: impersonationGrants(a.grants, u.units, () => undefined) };
  }
}
