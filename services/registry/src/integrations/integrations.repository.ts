import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import type { IntegrationPage, IntegrationView } from '@hookline/contracts';
import type { Cursor } from '@hookline/persistence';
import { Integration } from './entities/integration.entity';

export function integrationView(i: Integration): IntegrationView {
  return {
    id: i.id,
    tenant: i.tenantId,
    name: i.name,
    page: i.page,
    action: i.action,
    method: i.method,
    url: i.url,
    parameterName: i.parameterName,
    enabled: i.enabled,
    verification: i.verification,
    verificationConfigured: i.verificationConfigured,
    headerNames: [...i.headerNames],
    createdAt: i.createdAt.toISOString(),
    updatedAt: i.updatedAt.toISOString(),
  };
}

export interface IntegrationFilter {
  page?: IntegrationPage;
  enabled?: boolean;
}

@Injectable()
export class IntegrationsRepository {
  constructor(private readonly dataSource: DataSource) {}

  private repo(em?: EntityManager) {
    return (em ?? this.dataSource.manager).getRepository(Integration);
  }

  async insert(em: EntityManager, i: Integration): Promise<void> {
    await this.repo(em).insert(i as never);
  }

  find(tenantId: string, id: string, em?: EntityManager, lock = false): Promise<Integration | null> {
    return this.repo(em).findOne({ where: { tenantId, id }, ...(lock ? { lock: { mode: 'pessimistic_write' as const } } : {}) });
  }

  async update(em: EntityManager, tenantId: string, id: string, patch: Partial<Omit<Integration, 'tenantId' | 'id' | 'createdAt'>>): Promise<void> {
    await this.repo(em).update({ tenantId, id }, patch as never);
  }

  async delete(em: EntityManager, tenantId: string, id: string): Promise<void> {
    await this.repo(em).delete({ tenantId, id });
  }

  /** Newest first, keyset-paginated on (created_at, id). */
  list(tenantId: string, f: IntegrationFilter, limit: number, after?: Cursor): Promise<Integration[]> {
    const q = this.repo().createQueryBuilder('i').where('i.tenant_id = :tenantId', { tenantId });
    if (f.page) q.andWhere('i.page = :page', { page: f.page });
    if (f.enabled !== undefined) q.andWhere('i.enabled = :enabled', { enabled: f.enabled });
    if (after) q.andWhere('(i.created_at, i.id) < (:at, :cid)', { at: after.at, cid: after.id });
    return q.orderBy('i.created_at', 'DESC').addOrderBy('i.id', 'DESC').limit(limit).getMany();
  }

  /** The enabled integrations of a page, in the order they were added (the order of a dropdown). */
  enabledOn(tenantId: string, page: IntegrationPage): Promise<Integration[]> {
    return this.repo().find({ where: { tenantId, page, enabled: true }, order: { createdAt: 'ASC', id: 'ASC' }, take: 100 });
  }
}
