import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import type { AccountView } from '@hookline/contracts';
import type { Cursor } from '@hookline/persistence';
import { likePattern } from '../units/units.repository';
import { Account } from './entities/account.entity';

/** What an account looks like everywhere outside this table: never a hash, a sealed secret or a token id. */
export function accountView(a: Account): AccountView {
  return {
    id: a.id,
    tenant: a.tenantId,
    name: a.name,
    description: a.description,
    enabled: a.enabled,
    grants: a.grants,
    credentialsIssuedAt: a.credentialsIssuedAt.toISOString(),
    lastLoginAt: a.lastLoginAt ? a.lastLoginAt.toISOString() : null,
    createdAt: a.createdAt.toISOString(),
    updatedAt: a.updatedAt.toISOString(),
  };
}

/** The unique (tenant_id, name) constraint of the accounts table, as PostgreSQL names it. */
export const ACCOUNT_NAME_CONSTRAINT = 'accounts_tenant_id_name_key';

/** A PostgreSQL unique violation (SQLSTATE 23505) of this constraint, through TypeORM's QueryFailedError. */
export function isUniqueViolation(err: unknown, constraint: string): boolean {
  const e = err as { code?: unknown; constraint?: unknown; driverError?: { code?: unknown; constraint?: unknown } } | undefined;
  const code = e?.code ?? e?.driverError?.code;
  const name = e?.constraint ?? e?.driverError?.constraint;
  return code === '23505' && name === constraint;
}

export interface AccountFilter {
  enabled?: boolean;
  q?: string;
  action?: string;
}

@Injectable()
export class AccountsRepository {
  constructor(private readonly dataSource: DataSource) {}

  private repo(em?: EntityManager) {
    return (em ?? this.dataSource.manager).getRepository(Account);
  }

  /** false when the tenant already has an account of that name. */
  async insertIfAbsent(em: EntityManager, account: Account): Promise<boolean> {
    const r = await this.repo(em).createQueryBuilder().insert().values(account).orIgnore().returning('1 AS inserted').updateEntity(false).execute();
    return (r.raw as unknown[]).length > 0;
  }

  find(tenantId: string, id: string, em?: EntityManager, lock = false): Promise<Account | null> {
    return this.repo(em).findOne({ where: { tenantId, id }, ...(lock ? { lock: { mode: 'pessimistic_write' as const } } : {}) });
  }

  /**
   * Login's lookup by the token's public id. The one query not scoped by a tenant: the
   * caller does not know its tenant yet, and the row found names it.
   */
  findByTokenId(tokenId: string): Promise<Account | null> {
    return this.repo().findOne({ where: { tokenId } });
  }

  async nameTaken(em: EntityManager, tenantId: string, name: string, exceptId?: string): Promise<boolean> {
    const found = await this.repo(em).findOne({ select: { id: true }, where: { tenantId, name } });
    return !!found && found.id !== exceptId;
  }

  async update(em: EntityManager, tenantId: string, id: string, patch: Partial<Omit<Account, 'id' | 'tenantId' | 'createdAt'>>): Promise<void> {
    await this.repo(em).update({ tenantId, id }, patch);
  }

  /** update, but false when the tenant's (tenant_id, name) index refuses the new name. */
  async updateUnlessNameTaken(em: EntityManager, tenantId: string, id: string, patch: Partial<Omit<Account, 'id' | 'tenantId' | 'createdAt'>>): Promise<boolean> {
    try {
      await this.update(em, tenantId, id, patch);
      return true;
    } catch (err) {
      if (patch.name !== undefined && isUniqueViolation(err, ACCOUNT_NAME_CONSTRAINT)) return false;
      throw err;
    }
  }

  /**
   * Records a TOTP step as used, only if it is later than the last one and the account
   * still has the API token `tokenId` checked: of two logins racing with the same code,
   * exactly one wins, and a login racing a credential reset loses.
   */
  async consumeTotpStep(em: EntityManager, tenantId: string, id: string, tokenId: string, step: number, now: Date): Promise<boolean> {
    const r = await this.repo(em)
      .createQueryBuilder()
      .update()
      .set({ totpLastStep: String(step), lastLoginAt: now })
      .where('tenant_id = :tenantId AND id = :id AND token_id = :tokenId AND (totp_last_step IS NULL OR totp_last_step < :step)', { tenantId, id, tokenId, step })
      .execute();
    return (r.affected ?? 0) === 1;
  }

  async delete(em: EntityManager, tenantId: string, id: string): Promise<void> {
    await this.repo(em).delete({ tenantId, id });
  }

  list(tenantId: string, f: AccountFilter, limit: number, after?: Cursor): Promise<Account[]> {
    const q = this.repo().createQueryBuilder('a').where('a.tenant_id = :tenantId', { tenantId });
    if (f.enabled !== undefined) q.andWhere('a.enabled = :enabled', { enabled: f.enabled });
    if (f.q) q.andWhere("a.name ILIKE :q ESCAPE '\\'", { q: likePattern(f.q) });
    if (f.action) q.andWhere(`EXISTS (SELECT 1 FROM jsonb_array_elements(a.grants) g WHERE g->'actions' ? :action)`, { action: f.action });
    if (after) q.andWhere('(a.created_at, a.id) < (:at, :cid)', { at: after.at, cid: after.id });
    return q.orderBy('a.created_at', 'DESC').addOrderBy('a.id', 'DESC').limit(limit).getMany();
  }
}
