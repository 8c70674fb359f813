import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import type { TopicView } from '@hookline/contracts';
import type { Cursor } from '@hookline/persistence';
import { Topic } from './entities/topic.entity';

export function topicView(t: Topic): TopicView {
  return { tenant: t.tenantId, name: t.name, description: t.description, example: t.example as Record<string, unknown> | null, createdAt: t.createdAt.toISOString(), updatedAt: t.updatedAt.toISOString() };
}

@Injectable()
export class TopicsRepository {
  constructor(private readonly dataSource: DataSource) {}

  private repo(em?: EntityManager) {
    return (em ?? this.dataSource.manager).getRepository(Topic);
  }

  async insertIfAbsent(em: EntityManager, t: Topic): Promise<boolean> {
    const r = await this.repo(em).createQueryBuilder().insert().values(t).orIgnore().returning('1 AS inserted').updateEntity(false).execute();
    return (r.raw as unknown[]).length > 0;
  }

  find(tenantId: string, name: string, em?: EntityManager): Promise<Topic | null> {
    return this.repo(em).findOne({ where: { tenantId, name } });
  }

  async names(tenantId: string, em?: EntityManager): Promise<string[]> {
    return (await this.repo(em).find({ select: { name: true }, where: { tenantId } })).map((t) => t.name);
  }

  async update(em: EntityManager, tenantId: string, name: string, patch: Partial<Pick<Topic, 'description' | 'example' | 'updatedAt'>>): Promise<void> {
    await this.repo(em).update({ tenantId, name }, patch);
  }

  async delete(em: EntityManager, tenantId: string, name: string): Promise<void> {
    await this.repo(em).delete({ tenantId, name });
  }

  list(tenantId: string, limit: number, after?: Cursor): Promise<Topic[]> {
    const q = this.repo().createQueryBuilder('t').where('t.tenant_id = :tenantId', { tenantId });
    if (after) q.andWhere('(t.created_at, t.name) < (:at, :cid)', { at: after.at, cid: after.id });
    return q.orderBy('t.created_at', 'DESC').addOrderBy('t.name', 'DESC').limit(limit).getMany();
  }
}
