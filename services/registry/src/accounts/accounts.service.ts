import { Inject, Injectable } from '@nestjs/common';
import { actorOf, normalizeGrants, principalHolds, uncoveredGrant, unitsNamed, type Grant, type Principal } from '@hookline/auth';
import { CONFIG } from '@hookline/config';
import { UUID_RE, uuidv7, type AccountView } from '@hookline/contracts';
import { ConflictError, ForbiddenError, NotFoundError, tenantScope, ValidationError } from '@hookline/http';
import type { RegistryConfig } from '../config';
import { ChangeLog, Tx } from '../outbox/change-log';
import { Page, PageRequest, parsePage, toPage } from '../paging';
import { TenantsRepository } from '../tenants/tenants.repository';
import { UnitsRepository } from '../units/units.repository';
import { accountView, AccountsRepository } from './accounts.repository';
import { IssuedCredentials, issueCredentials } from './credentials';
import { Account } from './entities/account.entity';

export interface GrantInput {
  actions: string[];
  units: '*' | string[];
  topics?: '*' | string[];
}

export interface CreateAccountInput {
  tenant?: string;
  name: string;
  description?: string;
  grants: GrantInput[];
}

export interface UpdateAccountInput {
  name?: string;
  description?: string | null;
  enabled?: boolean;
  grants?: GrantInput[];
}

export interface ListAccountsInput extends PageRequest {
  tenant?: string;
  enabled?: 'true' | 'false';
  q?: string;
  action?: string;
}

export interface CreatedAccount {
  account: AccountView;
  /** Shown in this response only; the platform cannot show them again. */
  credentials: IssuedCredentials;
}

export function toGrants(input: GrantInput[]): Grant[] {
  return normalizeGrants(input.map((g) => ({ actions: g.actions, units: g.units, topics: g.topics ?? '*' })));
}

@Injectable()
export class AccountsService {
  constructor(
    private readonly accounts: AccountsRepository,
    private readonly units: UnitsRepository,
    private readonly tenants: TenantsRepository,
    private readonly changes: ChangeLog,
    @Inject(CONFIG) private readonly config: RegistryConfig,
  ) {}

  /** The operator creates a tenant's first account; after that, accounts with accounts:write create more. */
  async create(p: Principal, input: CreateAccountInput): Promise<CreatedAccount> {
    const tenantId = tenantScope(p, input.tenant);
    this.requireAction(p, 'accounts:write');
    const id = uuidv7();
    const grants = toGrants(input.grants);
    const credentials = await issueCredentials(this.config.encryptionKey, { id, tenantId, name: input.name });
    return this.changes.transaction(async (tx) => {
      if (!(await this.tenants.find(tenantId, tx.em))) throw new NotFoundError(`tenant ${tenantId}`);
      await this.checkGrantable(p, tenantId, grants, tx, 'grants');
      const account: Account = {
        id,
        tenantId,
        name: input.name,
        description: input.description ?? null,
        enabled: true,
        grants,
        ...credentials.stored,
        totpLastStep: null,
        credentialsIssuedAt: tx.now,
        lastLoginAt: null,
        createdAt: tx.now,
        updatedAt: tx.now,
      };
      if (!(await this.accounts.insertIfAbsent(tx.em, account))) throw new ConflictError(`an account named "${input.name}" already exists`);
      const view = accountView(account);
      await tx.record({ tenantId, entity: 'account', entityId: id, action: 'created', actor: actorOf(p), before: null, after: { ...view } });
      return { account: view, credentials: credentials.issued };
    });
  }

  async get(p: Principal, tenant: string | undefined, id: string): Promise<AccountView> {
    const tenantId = tenantScope(p, tenant);
    this.requireAction(p, 'accounts:read');
    return accountView(await this.found(tenantId, id));
  }

  async list(p: Principal, input: ListAccountsInput): Promise<Page<AccountView>> {
    const tenantId = tenantScope(p, input.tenant);
    this.requireAction(p, 'accounts:read');
    const { limit, after } = parsePage(input, UUID_RE);
    const enabled = input.enabled === undefined ? undefined : input.enabled === 'true';
    const rows = await this.accounts.list(tenantId, { enabled, q: input.q, action: input.action }, limit + 1, after);
    return toPage(rows, limit, (a) => a.id, accountView);
  }

  async update(p: Principal, tenant: string | undefined, id: string, input: UpdateAccountInput): Promise<AccountView> {
    const tenantId = tenantScope(p, tenant);
    this.requireAction(p, 'accounts:write');
    return this.changes.transaction(async (tx) => {
      const account = await this.found(tenantId, id, tx);
      await this.checkManageable(p, tenantId, account, tx);
      const patch: Partial<Account> = { updatedAt: tx.now };
      if (input.name !== undefined && input.name !== account.name) {
        if (await this.accounts.nameTaken(tx.em, tenantId, input.name, id)) throw new ConflictError(`an account named "${input.name}" already exists`);
        patch.name = input.name;
      }
      if (input.description !== undefined) patch.description = input.description;
      if (input.enabled !== undefined) patch.enabled = input.enabled;
      if (input.grants !== undefined) {
        patch.grants = toGrants(input.grants);
        await this.checkGrantable(p, tenantId, patch.grants, tx, 'grants');
      }
      // nameTaken cannot see a rename to the same name committing in parallel; the unique index can.
      if (!(await this.accounts.updateUnlessNameTaken(tx.em, tenantId, id, patch))) throw new ConflictError(`an account named "${patch.name}" already exists`);
      const after: Account = { ...account, ...patch };
      await tx.record({ tenantId, entity: 'account', entityId: id, action: 'updated', actor: actorOf(p), before: { ...accountView(account) }, after: { ...accountView(after) } });
      return accountView(after);
    });
  }

  async delete(p: Principal, tenant: string | undefined, id: string): Promise<void> {
    const tenantId = tenantScope(p, tenant);
    this.requireAction(p, 'accounts:write');
    await this.changes.transaction(async (tx) => {
      const account = await this.found(tenantId, id, tx);
      await this.checkManageable(p, tenantId, account, tx);
      await this.accounts.delete(tx.em, tenantId, id);
      await tx.record({ tenantId, entity: 'account', entityId: id, action: 'deleted', actor: actorOf(p), before: { ...accountView(account) }, after: null });
    });
  }

  /** New API token and TOTP secret, shown once; the old ones and every access token issued before stop working. */
  async resetCredentials(p: Principal, tenant: string | undefined, id: string): Promise<CreatedAccount> {
    const tenantId = tenantScope(p, tenant);
    this.requireAction(p, 'accounts:write');
    return this.changes.transaction(async (tx) => {
      const account = await this.found(tenantId, id, tx);
      await this.checkManageable(p, tenantId, account, tx);
      const credentials = await issueCredentials(this.config.encryptionKey, account);
      const patch: Partial<Account> = { ...credentials.stored, totpLastStep: null, credentialsIssuedAt: tx.now, updatedAt: tx.now };
      await this.accounts.update(tx.em, tenantId, id, patch);
      const after: Account = { ...account, ...patch };
      await tx.record({
        tenantId,
        entity: 'account',
        entityId: id,
        action: 'credentials-reset',
        actor: actorOf(p),
        // The full views, as every change carries: projections replace what they hold with
        // `after` (the dispatcher's view took a partial one for an account with no name, disabled).
        before: { ...accountView(account) },
        after: { ...accountView(after) },
      });
      return { account: accountView(after), credentials: credentials.issued };
    });
  }

  private requireAction(p: Principal, action: string): void {
    if (!principalHolds(p, action)) throw new ForbiddenError(`this needs the ${action} permission`);
  }

  private async found(tenantId: string, id: string, tx?: Tx): Promise<Account> {
    const account = UUID_RE.test(id) ? await this.accounts.find(tenantId, id, tx?.em, !!tx) : null;
    if (!account) throw new NotFoundError(`account ${id}`);
    return account;
  }

  /** Grants name units that exist in the tenant, and nobody hands out more than they hold. */
  private async checkGrantable(p: Principal, tenantId: string, grants: Grant[], tx: Tx, field: string): Promise<void> {
    const named = unitsNamed(grants);
    const paths = await this.units.paths(tenantId, named, tx.em);
    const missing = named.find((u) => !paths.has(u));
    if (missing) throw new ValidationError([{ field, message: `unit ${missing} does not exist` }]);
    if (p.kind === 'operator') return;
    const gap = uncoveredGrant(p.grants, grants, (u) => paths.get(u));
    if (gap) {
      const where = gap.unit === '*' ? 'the whole tenant' : `unit ${gap.unit}`;
      throw new ForbiddenError(`you cannot grant ${gap.action} on ${where}${gap.topic ? ` for topics ${gap.topic}` : ''}: you do not hold it yourself`);
    }
  }

  /** An account may change another only if it holds everything that one holds (no demoting a stronger account). */
  private async checkManageable(p: Principal, tenantId: string, target: Account, tx: Tx): Promise<void> {
    if (p.kind === 'operator') return;
    const named = unitsNamed(target.grants);
    const paths = await this.units.paths(tenantId, named, tx.em);
    const gap = uncoveredGrant(p.grants, target.grants, (u) => paths.get(u));
    if (gap) throw new ForbiddenError(`account ${target.id} holds ${gap.action} beyond your own grants`);
  }
}
