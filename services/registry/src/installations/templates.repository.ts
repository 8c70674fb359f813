import { Injectable } from '@nestjs/common';
import { Brackets, DataSource, EntityManager } from 'typeorm';
import type { TemplateView } from '@hookline/contracts';
import type { Cursor } from '@hookline/persistence';
import { Template } from './entities/template.entity';

export function templateView(t: Template): TemplateView {
  return {
    id: t.id,
    ownerTenant: t.ownerTenant,
    name: t.name,
    description: t.description,
    channel: t.channel,
    oauth: { ...t.oauth, redirectUris: [...t.oauth.redirectUris], scopes: [...t.oauth.scopes] },
    version: t.version,
    retiredAt: t.retiredAt ? t.retiredAt.toISOString() : null,
    createdAt: t.createdAt.toISOString(),
    updatedAt: t.updatedAt.toISOString(),
  };
}

/** Which templates a list covers: the operator's catalogue plus one tenant's own, or everything (the operator). */
export type TemplateScope = { kind: 'all' } | { kind: 'tenant'; tenantId: string };

/**
 * Templates are shared by tenants (the catalogue), so the tenant here is the reader's
 * scope: a tenant sees the catalogue and its own, never another tenant's.
 */
@Injectable()
export class TemplatesRepository {
  constructor(private readonly dataSource: DataSource) {}

  private repo(em?: EntityManager) {
    return (em ?? this.dataSource.manager).getRepository(Template);
  }

  async insert(em: EntityManager, t: Template): Promise<void> {
    await this.repo(em).insert(t as never);
  }

  /** One template as the scope may see it. */
  async find(scope: TemplateScope, id: string, em?: EntityManager, lock = false): Promise<Template | null> {
    const t = await this.repo(em).findOne({ where: { id }, ...(lock ? { lock: { mode: 'pessimistic_write' as const } } : {}) });
    if (!t) return null;
    if (scope.kind === 'tenant' && t.ownerTenant !== null && t.ownerTenant !== scope.tenantId) return null;
    return t;
  }

  async update(em: EntityManager, id: string, patch: Partial<Omit<Template, 'id' | 'createdAt' | 'ownerTenant'>>): Promise<void> {
    await this.repo(em).update({ id }, patch as never);
  }

  list(scope: TemplateScope, f: { retired?: boolean; owner?: 'catalogue' | string }, limit: number, after?: Cursor): Promise<Template[]> {
    const q = this.repo().createQueryBuilder('t').where('TRUE');
    if (scope.kind === 'tenant') q.andWhere('(t.owner_tenant IS NULL OR t.owner_tenant = :tenantId)', { tenantId: scope.tenantId });
    if (f.owner === 'catalogue') q.andWhere('t.owner_tenant IS NULL');
    else if (f.owner !== undefined) q.andWhere('t.owner_tenant = :owner', { owner: f.owner });
    if (f.retired !== undefined) q.andWhere(f.retired ? 't.retired_at IS NOT NULL' : 't.retired_at IS NULL');
    if (after) q.andWhere(new Brackets((b) => b.where('(t.created_at, t.id) < (:at, :id)', { at: after.at, id: after.id })));
    return q.orderBy('t.created_at', 'DESC').addOrderBy('t.id', 'DESC').limit(limit).getMany();
  }
}
