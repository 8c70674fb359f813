// The registry owns accounts, so it re-checks every access token against them: a
// disabled or deleted account, reset credentials, a deleted user or changed grants take
// effect on its very next request. (Other services trust the token until it expires.)
import { Injectable } from '@nestjs/common';
import { holdsAction, impersonationGrants, unitsNamed, type Principal, type PrincipalRefresher } from '@hookline/auth';
import { AccountsRepository } from '../accounts/accounts.repository';
import { UnitsRepository } from '../units/units.repository';
import { userUnits, UsersRepository } from '../users/users.repository';

@Injectable()
export class RegistryPrincipalRefresher implements PrincipalRefresher {
  constructor(
    private readonly accounts: AccountsRepository,
    private readonly users: UsersRepository,
    private readonly units: UnitsRepository,
  ) {}

  async refresh(p: Principal): Promise<Principal | undefined> {
    if (p.kind === 'operator') return p;
    const account = await this.accounts.find(p.tenantId, p.accountId);
    if (!account || !account.enabled) return undefined;
    if (p.issuedAt < Math.floor(account.credentialsIssuedAt.getTime() / 1000)) return undefined;
    if (p.kind === 'account') return { ...p, accountName: account.name, grants: account.grants };
    const user = await this.users.find(p.tenantId, p.userId);
    if (!user || !holdsAction(account.grants, 'users:impersonate')) return undefined;
    const paths = await this.units.paths(p.tenantId, [...unitsNamed(account.grants), ...user.units]);
    return { ...p, accountName: account.name, userName: user.displayName, grants: impersonationGrants(account.grants, userUnits(user), (u) => paths.get(u)) };
  }
}
