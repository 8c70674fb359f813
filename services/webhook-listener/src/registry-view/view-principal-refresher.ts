// Access tokens on the read API are honoured only while the registry's change history
// agrees: a disabled, deleted or re-credentialed account stops reading as soon as the
// change reaches this service, and changed grants apply at once. An account the view
// does not know (yet) keeps the claims of its signed token.
import { Injectable } from '@nestjs/common';
import type { Principal, PrincipalRefresher } from '@hookline/auth';
import { ListenersViewProvider } from './listeners-view.provider';

@Injectable()
export class ViewPrincipalRefresher implements PrincipalRefresher {
  constructor(private readonly views: ListenersViewProvider) {}

  async refresh(p: Principal): Promise<Principal | undefined> {
    if (p.kind === 'operator') return p;
    const a = this.views.view.account(p.tenantId, p.accountId);
    if (a === undefined) return p;
    if (a === 'deleted' || !a.enabled) return undefined;
    if (p.issuedAt < Math.floor(a.credentialsIssuedAt / 1000)) return undefined;
    // A user's grants are the account's limited to the user's units; listeners are
    // tenant-wide, so only the account's current grants on the whole tenant matter here.
    return p.kind === 'account' ? { ...p, grants: a.grants } : p;
  }
}
