import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import type { Cursor } from '@hookline/persistence';
import type { TenantView } from '@hookline/contracts';
import { Tenant } from './entities/tenant.entity';

export function tenantView(t: Tenant): TenantView {
  return { id: t.id, name: t.name, provetId: t.provetId ?? 0, baseUrl: t.baseUrl, createdAt: t.createdAt.toISOString(), updatedAt: t.updatedAt.toISOString() };
}

/** Tenants are the one table not scoped by a tenant: only the operator reaches it (and login, by id). */
@Injectable()
export class TenantsRepository {
  constructor(private readonly dataSource: DataSource) {}

  private repo(em?: EntityManager) {
    return (em ?? this.dataSource.manager).getRepository(Tenant);
  }

  /** The new tenant's provet_id, or undefined when a tenant with the id exists. */
  async insertIfAbsent(em: EntityManager, t: Tenant): Promise<number | undefined> {
    const r = await this.repo(em).createQueryBuilder().insert().values(t).orIgnore().returning('provet_id').updateEntity(false).execute();
    return (r.raw as { provet_id: number }[])[0]?.provet_id;
  }

  find(tenantId: string, em?: EntityManager, lock = false): Promise<Tenant | null> {
    return this.repo(em).findOne({ where: { id: tenantId }, ...(lock ? { lock: { mode: 'pessimistic_write' as const } } : {}) });
  }

  async update(em: EntityManager, tenantId: string, patch: Partial<Pick<Tenant, 'name' | 'baseUrl' | 'updatedAt'>>): Promise<void> {
    await this.repo(em).update({ id: tenantId }, patch);
  }

  list(limit: number, after?: Cursor): Promise<Tenant[]> {
    const q = this.repo().createQueryBuilder('t');
    if (after) q.where('(t.created_at, t.id) < (:at, :id)', { at: after.at, id: after.id });
    return q.orderBy('t.created_at', 'DESC').addOrderBy('t.id', 'DESC').limit(limit).getMany();
  }
}
