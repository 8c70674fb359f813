import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager, In } from 'typeorm';
import type { UnitView } from '@hookline/contracts';
import type { Cursor } from '@hookline/persistence';
import { Unit } from './entities/unit.entity';

export function unitView(u: Unit): UnitView {
  return { id: u.id, tenant: u.tenantId, name: u.name, parentId: u.parentId, path: [...u.path], createdAt: u.createdAt.toISOString(), updatedAt: u.updatedAt.toISOString() };
}

export interface UnitFilter {
  parentId?: string;
  under?: string;
  q?: string;
  /** Only units inside these subtrees ("*": all). */
  scope: '*' | string[];
}

export function likePattern(q: string): string {
  return `%${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

@Injectable()
export class UnitsRepository {
  constructor(private readonly dataSource: DataSource) {}

  private repo(em?: EntityManager) {
    return (em ?? this.dataSource.manager).getRepository(Unit);
  }

  async insertIfAbsent(em: EntityManager, unit: Unit): Promise<boolean> {
    const r = await this.repo(em).createQueryBuilder().insert().values(unit).orIgnore().returning('1 AS inserted').updateEntity(false).execute();
    return (r.raw as unknown[]).length > 0;
  }

  /**
   * Serialises the changes to one tenant's tree (create, move, delete) until the
   * transaction ends. Row locks alone do not: a move reads the units below it once, so a
   * child created (or moved) below it at the same moment kept its old path, and two units
   * moved below each other at once locked each other in opposite order (a deadlock, a 500).
   */
  async lockTree(em: EntityManager, tenantId: string): Promise<void> {
    await em.query(`SELECT pg_advisory_xact_lock(hashtextextended('unit-tree:' || $1, 0))`, [tenantId]);
  }

  find(tenantId: string, id: string, em?: EntityManager, lock = false): Promise<Unit | null> {
    return this.repo(em).findOne({ where: { tenantId, id }, ...(lock ? { lock: { mode: 'pessimistic_write' as const } } : {}) });
  }

  /** The paths of the given units that exist in the tenant. */
  async paths(tenantId: string, ids: readonly string[], em?: EntityManager): Promise<Map<string, string[]>> {
    if (ids.length === 0) return new Map();
    const rows = await this.repo(em).find({ select: { id: true, path: true }, where: { tenantId, id: In([...new Set(ids)]) } });
    return new Map(rows.map((r) => [r.id, r.path]));
  }

  /** Everything strictly below the unit, locked for a move. */
  descendants(tenantId: string, id: string, em: EntityManager): Promise<Unit[]> {
    return this.repo(em)
      .createQueryBuilder('u')
      .setLock('pessimistic_write')
      .where('u.tenant_id = :tenantId AND :id = ANY(u.path) AND u.id <> :id', { tenantId, id })
      .getMany();
  }

  async hasChildren(tenantId: string, id: string, em: EntityManager): Promise<boolean> {
    return (await this.repo(em).count({ where: { tenantId, parentId: id } })) > 0;
  }

  async update(em: EntityManager, tenantId: string, id: string, patch: Partial<Pick<Unit, 'name' | 'parentId' | 'path' | 'updatedAt'>>): Promise<void> {
    await this.repo(em).update({ tenantId, id }, patch);
  }

  async delete(em: EntityManager, tenantId: string, id: string): Promise<void> {
    await this.repo(em).delete({ tenantId, id });
  }

  list(tenantId: string, f: UnitFilter, limit: number, after?: Cursor): Promise<Unit[]> {
    const q = this.repo().createQueryBuilder('u').where('u.tenant_id = :tenantId', { tenantId });
    if (f.scope !== '*') q.andWhere('u.path && :scope::text[]', { scope: f.scope });
    if (f.parentId) q.andWhere('u.parent_id = :parentId', { parentId: f.parentId });
    if (f.under) q.andWhere(':under = ANY(u.path)', { under: f.under });
    if (f.q) q.andWhere("u.name ILIKE :q ESCAPE '\\'", { q: likePattern(f.q) });
    if (after) q.andWhere('(u.created_at, u.id) < (:at, :cid)', { at: after.at, cid: after.id });
    return q.orderBy('u.created_at', 'DESC').addOrderBy('u.id', 'DESC').limit(limit).getMany();
  }
}
