import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager, In } from 'typeorm';
import { DEFAULT_NOTIFICATION_DAYS_BEFORE, type PushFlagView, type PushSettingsView, type PushTypeView } from '@hookline/contracts';
import type { Cursor } from '@hookline/persistence';
import { GLOBAL_FLAG_UNIT, PushFlag } from './entities/push-flag.entity';
import { PushSettings } from './entities/push-settings.entity';
import { PushType } from './entities/push-type.entity';

/** A tenant's settings as shown and published; a tenant that never set any gets the defaults. */
export function pushSettingsView(tenantId: string, s: PushSettings | null): PushSettingsView {
  return {
    tenant: tenantId,
    notification_server_url: s?.serverUrl ?? null,
    notification_jwt_set: s?.jwtSet ?? false,
    notification_days_before: s?.daysBefore ?? DEFAULT_NOTIFICATION_DAYS_BEFORE,
    createdAt: s ? s.createdAt.toISOString() : null,
    updatedAt: s ? s.updatedAt.toISOString() : null,
  };
}

export function pushTypeView(t: PushType): PushTypeView {
  return {
    tenant: t.tenantId,
    type: t.type,
    topic: t.topic,
    description: t.description,
    example: t.example as Record<string, unknown> | null,
    createdAt: t.createdAt.toISOString(),
    updatedAt: t.updatedAt.toISOString(),
  };
}

export function pushFlagView(f: PushFlag): PushFlagView {
  return { tenant: f.tenantId, type: f.type, unit: f.unitId === GLOBAL_FLAG_UNIT ? null : f.unitId, enabled: f.enabled, updatedAt: f.updatedAt.toISOString() };
}

/** Push settings, the type catalogue and the flags; every method names the tenant. */
@Injectable()
export class PushRepository {
  constructor(private readonly dataSource: DataSource) {}

  private manager(em?: EntityManager): EntityManager {
    return em ?? this.dataSource.manager;
  }

  findSettings(tenantId: string, em?: EntityManager, lock = false): Promise<PushSettings | null> {
    return this.manager(em)
      .getRepository(PushSettings)
      .findOne({ where: { tenantId }, ...(lock ? { lock: { mode: 'pessimistic_write' as const } } : {}) });
  }

  async saveSettings(em: EntityManager, s: PushSettings): Promise<void> {
    await em.getRepository(PushSettings).upsert(s, ['tenantId']);
  }

  async insertTypeIfAbsent(em: EntityManager, t: PushType): Promise<boolean> {
    const r = await em.getRepository(PushType).createQueryBuilder().insert().values(t).orIgnore().returning('1 AS inserted').updateEntity(false).execute();
    return (r.raw as unknown[]).length > 0;
  }

  findType(tenantId: string, type: string, em?: EntityManager, lock = false): Promise<PushType | null> {
    return this.manager(em)
      .getRepository(PushType)
      .findOne({ where: { tenantId, type }, ...(lock ? { lock: { mode: 'pessimistic_write' as const } } : {}) });
  }

  async updateType(em: EntityManager, tenantId: string, type: string, patch: Partial<Pick<PushType, 'topic' | 'description' | 'example' | 'updatedAt'>>): Promise<void> {
    await em.getRepository(PushType).update({ tenantId, type }, patch);
  }

  async deleteType(em: EntityManager, tenantId: string, type: string): Promise<void> {
    await em.getRepository(PushType).delete({ tenantId, type });
  }

  listTypes(tenantId: string, limit: number, after?: Cursor): Promise<PushType[]> {
    const q = this.dataSource.getRepository(PushType).createQueryBuilder('t').where('t.tenant_id = :tenantId', { tenantId });
    if (after) q.andWhere('(t.created_at, t.type) < (:at, :cid)', { at: after.at, cid: after.id });
    return q.orderBy('t.created_at', 'DESC').addOrderBy('t.type', 'DESC').limit(limit).getMany();
  }

  /** The explicit flags of the given types. */
  flags(tenantId: string, types: readonly string[], em?: EntityManager): Promise<PushFlag[]> {
    if (types.length === 0) return Promise.resolve([]);
    return this.manager(em)
      .getRepository(PushFlag)
      .find({ where: { tenantId, type: In([...new Set(types)]) }, order: { unitId: 'ASC' } });
  }

  findFlag(tenantId: string, type: string, unitId: string, em?: EntityManager): Promise<PushFlag | null> {
    return this.manager(em).getRepository(PushFlag).findOne({ where: { tenantId, type, unitId } });
  }

  async saveFlag(em: EntityManager, f: PushFlag): Promise<void> {
    await em.getRepository(PushFlag).upsert(f, ['tenantId', 'type', 'unitId']);
  }

  async deleteFlag(em: EntityManager, tenantId: string, type: string, unitId: string): Promise<void> {
    await em.getRepository(PushFlag).delete({ tenantId, type, unitId });
  }

  async deleteFlags(em: EntityManager, tenantId: string, type: string): Promise<void> {
    await em.getRepository(PushFlag).delete({ tenantId, type });
  }
}
