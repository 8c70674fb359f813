// The registry owns accounts, so it re-checks every access token against them: a
// disabled or deleted account, reset credentials, a deleted user or changed grants take
// effect on its very next request. (Other services trust the token until it expires.)
import { Injectable } from '@nestjs/common';
import { impersonationGrants, unitsNamed, type Principal, type PrincipalRefresher } from '@hookline/auth';
import { AccountsRepository } from '../accounts/accounts.repository';
import type { Account } from '../accounts/entities/account.entity';
import { UnitsRepository } from '../units/units.repository';
import { userUnits, UsersRepository } from '../users/users.repository';
import { grantsCoverUser } from '../users/users.service';

/**
 * Whether a token still stands for the account's current credentials. A token that names
 * the credentials it came from (cia, in ms) must name these; an older token without it
 * must be from the second of the last reset or later.
 */
export function tokenOfCurrentCredentials(p: { issuedAt: number; credentialsIssuedAt?: number }, account: Pick<Account, 'credentialsIssuedAt'>): boolean {
  const current = account.credentialsIssuedAt.getTime();
  if (p.credentialsIssuedAt !== undefined) return p.credentialsIssuedAt === current;
  return p.issuedAt >= Math.floor(current / 1000);
}

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
    if (!tokenOfCurrentCredentials(p, account)) return undefined;
    if (p.kind === 'account') return { ...p, accountName: account.name, grants: account.grants };
    const user = await this.users.find(p.tenantId, p.userId);
    // A token cannot act for a user made after it: deleting a user and mirroring it again
    // (the same host id) does not bring back the tokens that acted as the one deleted.
    if (!user || p.issuedAt < Math.floor(user.createdAt.getTime() / 1000)) return undefined;
    const paths = await this.units.paths(p.tenantId, [...unitsNamed(account.grants), ...user.units]);
    // The rule of the exchange holds for as long as the token is used: once the account's
    // users:impersonate no longer covers every unit the user may see (narrowed grants, or
    // a user who now sees more), the token no longer acts as that user.
    if (!grantsCoverUser(account.grants, 'users:impersonate', userUnits(user), paths, 'all')) return undefined;
    return { ...p, accountName: account.name, userName: user.displayName, grants: impersonationGrants(account.grants, userUnits(user), (u) => paths.get(u)) };
  }
}
