import { Injectable } from '@nestjs/common';
import { DataSource, In } from 'typeorm';
import { redactSecrets, type RegistryChange, type UnitView } from '@hookline/contracts';
import type { Cursor } from '@hookline/persistence';
import { ProjectedUnit } from './entities/projected-unit.entity';
import { StoredChange } from './entities/stored-change.entity';

export interface ChangeFilter {
  entity?: string;
  entityId?: string;
  actor?: { kind: 'operator' } | { kind: 'account'; id: string } | { kind: 'user'; id: string };
  from?: Date;
  to?: Date;
}

@Injectable()
export class ChangesRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Stores each change once (a redelivery hits the primary key) and projects unit
   * changes into the unit tree, all in one transaction.
   */
  async insertMany(changes: { change: RegistryChange; streamSeq: number }[]): Promise<void> {
    if (changes.length === 0) return;
    await this.dataSource.transaction(async (em) => {
      const unique = [...new Map(changes.map((c) => [c.change.id, c])).values()];
      await em
        .getRepository(StoredChange)
        .createQueryBuilder()
        .insert()
        .values(
          unique.map(({ change: c, streamSeq }) => {
            const clean = redactSecrets(c);
            return {
              id: c.id,
              tenantId: c.tenantId,
              entity: c.entity,
              entityId: c.entityId,
              action: c.action,
              actor: clean.actor,
              actorKind: c.actor.kind,
              actorAccountId: c.actor.kind === 'account' || c.actor.kind === 'user' ? c.actor.accountId : null,
              actorUserId: c.actor.kind === 'user' ? c.actor.userId : null,
              at: new Date(c.at),
              before: clean.before,
              after: clean.after,
              detail: clean.detail ?? null,
              streamSeq: String(streamSeq),
            } as never;
          }),
        )
        .orIgnore()
        .updateEntity(false)
        .execute();
      for (const { change: c, streamSeq } of unique) {
        if (c.entity !== 'unit') continue;
        const path = (c.after as unknown as UnitView | null)?.path ?? (c.before as unknown as UnitView | null)?.path ?? [c.entityId];
        await em.query(
          `INSERT INTO audit_units (tenant_id, id, path, deleted, stream_seq) VALUES ($1, $2, $3, $4, $5)
           ON CONFLICT (tenant_id, id) DO UPDATE SET path = EXCLUDED.path, deleted = EXCLUDED.deleted, stream_seq = EXCLUDED.stream_seq
           WHERE audit_units.stream_seq < EXCLUDED.stream_seq`,
          [c.tenantId, c.entityId, path, c.action === 'deleted', streamSeq],
        );
      }
    });
  }

  /** Newest first, keyset-paginated on (at, id). */
  list(tenantId: string, f: ChangeFilter, limit: number, after?: Cursor): Promise<StoredChange[]> {
    const q = this.dataSource.getRepository(StoredChange).createQueryBuilder('c').where('c.tenant_id = :tenantId', { tenantId });
    if (f.entity) q.andWhere('c.entity = :entity', { entity: f.entity });
    if (f.entityId) q.andWhere('c.entity_id = :entityId', { entityId: f.entityId });
    if (f.actor?.kind === 'operator') q.andWhere("c.actor_kind = 'operator'");
    if (f.actor?.kind === 'account') q.andWhere('c.actor_account_id = :actorId', { actorId: f.actor.id });
    if (f.actor?.kind === 'user') q.andWhere('c.actor_user_id = :actorId', { actorId: f.actor.id });
    if (f.from) q.andWhere('c.at >= :from', { from: f.from });
    if (f.to) q.andWhere('c.at < :to', { to: f.to });
    if (after) q.andWhere('(c.at, c.id) < (:at, :cid)', { at: after.at, cid: after.id });
    return q.orderBy('c.at', 'DESC').addOrderBy('c.id', 'DESC').limit(limit).getMany();
  }

  findOne(tenantId: string, id: string): Promise<StoredChange | null> {
    return this.dataSource.getRepository(StoredChange).findOne({ where: { tenantId, id } });
  }

  /** The state-changing history of one entity (logins and impersonations left out), oldest first. */
  async stateChanges(tenantId: string, entity: string, entityId: string): Promise<{ action: string; after: Record<string, unknown> | null }[]> {
    return this.dataSource
      .getRepository(StoredChange)
      .createQueryBuilder('c')
      .select(['c.action', 'c.after'])
      .where('c.tenant_id = :tenantId AND c.entity = :entity AND c.entity_id = :entityId', { tenantId, entity, entityId })
      .andWhere("c.action IN ('created', 'updated', 'deleted', 'credentials-reset')")
      .orderBy('c.stream_seq', 'ASC')
      .getMany();
  }

  /** Projected unit paths of the given units that exist. */
  async unitPaths(tenantId: string, ids: string[]): Promise<Map<string, string[]>> {
    if (ids.length === 0) return new Map();
    const rows = await this.dataSource.getRepository(ProjectedUnit).find({ where: { tenantId, id: In([...new Set(ids)]), deleted: false } });
    return new Map(rows.map((u) => [u.id, u.path]));
  }
}
