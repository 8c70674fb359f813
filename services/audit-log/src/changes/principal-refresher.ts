// audit-log honours access tokens only while the change history agrees: an account that
// was disabled, deleted or had its credentials reset (and a user who was deleted) stops
// reading logs as soon as the change reaches this service, and changed grants apply at
// once. An account the history does not know yet keeps the claims of its signed token.
import { Injectable } from '@nestjs/common';
import { impersonationGrants, unitsNamed, type Principal, type PrincipalRefresher } from '@hookline/auth';
import { accountStateFrom, honours } from './account-state';
import { ChangesRepository } from './changes.repository';

@Injectable()
export class AuditPrincipalRefresher implements PrincipalRefresher {
  constructor(private readonly changes: ChangesRepository) {}

  async refresh(p: Principal): Promise<Principal | undefined> {
    if (p.kind === 'operator') return p;
    const account = accountStateFrom(await this.changes.stateChanges(p.tenantId, 'account', p.accountId));
    if (!honours(account, p)) return undefined;
    if (p.kind === 'account') return account?.grants ? { ...p, grants: account.grants } : p;
    const userChanges = await this.changes.stateChanges(p.tenantId, 'user', p.userId);
    const lastUser = userChanges[userChanges.length - 1];
    if (lastUser?.action === 'deleted') return undefined;
    const units = lastUser?.after?.units as '*' | string[] | undefined;
    if (!account?.grants || !units) return p;
    if (!account.grants.some((g) => g.actions.includes('users:impersonate'))) return undefined;
    const paths = await this.changes.unitPaths(p.tenantId, [...unitsNamed(account.grants), ...(units === '*' ? [] : units)]);
    return { ...p, grants: impersonationGrants(account.grants, units, (u) => paths.get(u)) };
  }
}
