import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import type { ReceiverView } from '@hookline/contracts';
import type { Cursor } from '@hookline/persistence';
import { Receiver } from './entities/receiver.entity';

export function receiverView(r: Receiver): ReceiverView {
  return {
    id: r.id,
    tenant: r.tenantId,
    name: r.name,
    url: r.url,
    topics: [...r.topics],
    accountId: r.accountId,
    receiveBound: r.receiveBound ?? null,
    auth: r.auth,
    enabled: r.enabled,
    deletedAt: r.deletedAt ? r.deletedAt.toISOString() : null,
    createdAt: r.createdAt.toISOString(),
    updatedAt: r.updatedAt.toISOString(),
  };
}

export interface ReceiverFilter {
  deleted?: boolean;
  accountId?: string;
  topic?: string;
}

@Injectable()
export class ReceiversRepository {
  constructor(private readonly dataSource: DataSource) {}

  private repo(em?: EntityManager) {
    return (em ?? this.dataSource.manager).getRepository(Receiver);
  }

  async insert(em: EntityManager, r: Receiver): Promise<void> {
    await this.repo(em).insert(r as never);
  }

  find(tenantId: string, id: string, em?: EntityManager, lock = false): Promise<Receiver | null> {
    return this.repo(em).findOne({ where: { tenantId, id }, ...(lock ? { lock: { mode: 'pessimistic_write' as const } } : {}) });
  }

  async update(em: EntityManager, tenantId: string, id: string, patch: Partial<Omit<Receiver, 'tenantId' | 'id' | 'createdAt'>>): Promise<void> {
    await this.repo(em).update({ tenantId, id }, patch as never);
  }

  /** Deleted receivers whose secret still waits in the signer although they were deleted before `before` (across tenants: the purge job). */
  deletedBefore(before: Date, limit: number): Promise<Receiver[]> {
    return this.repo()
      .createQueryBuilder('r')
      .where('r.deleted_at IS NOT NULL AND r.secret_destroyed_at IS NULL AND r.deleted_at < :before', { before })
      .orderBy('r.deleted_at')
      .limit(limit)
      .getMany();
  }

  async markSecretDestroyed(tenantId: string, id: string): Promise<void> {
    await this.repo().update({ tenantId, id }, { secretDestroyedAt: new Date() } as never);
  }

  list(tenantId: string, f: ReceiverFilter, limit: number, after?: Cursor): Promise<Receiver[]> {
    const q = this.repo().createQueryBuilder('r').where('r.tenant_id = :tenantId', { tenantId });
    if (f.deleted === true) q.andWhere('r.deleted_at IS NOT NULL');
    if (f.deleted === false) q.andWhere('r.deleted_at IS NULL');
    if (f.accountId) q.andWhere('r.account_id = :accountId', { accountId: f.accountId });
    if (f.topic) q.andWhere(':topic = ANY(r.topics)', { topic: f.topic });
    if (after) q.andWhere('(r.created_at, r.id) < (:at, :cid)', { at: after.at, cid: after.id });
    return q.orderBy('r.created_at', 'DESC').addOrderBy('r.id', 'DESC').limit(limit).getMany();
  }
}
