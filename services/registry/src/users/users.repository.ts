import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import type { UserView } from '@hookline/contracts';
import type { Cursor } from '@hookline/persistence';
import { likePattern } from '../units/units.repository';
import { User } from './entities/user.entity';

export function userUnits(u: Pick<User, 'allUnits' | 'units'>): '*' | string[] {
  return u.allUnits ? '*' : [...u.units];
}

export function userView(u: User): UserView {
  return { id: u.id, tenant: u.tenantId, displayName: u.displayName, units: userUnits(u), createdAt: u.createdAt.toISOString(), updatedAt: u.updatedAt.toISOString() };
}

export interface UserFilter {
  /** Users who may see this unit (given as its path). */
  unitPath?: string[];
  q?: string;
  /** Only users whose units lie inside these subtrees ("*": all users). */
  scope: '*' | string[];
}

@Injectable()
export class UsersRepository {
  constructor(private readonly dataSource: DataSource) {}

  private repo(em?: EntityManager) {
    return (em ?? this.dataSource.manager).getRepository(User);
  }

  async insertIfAbsent(em: EntityManager, user: User): Promise<boolean> {
    const r = await this.repo(em).createQueryBuilder().insert().values(user).orIgnore().returning('1 AS inserted').updateEntity(false).execute();
    return (r.raw as unknown[]).length > 0;
  }

  find(tenantId: string, id: string, em?: EntityManager, lock = false): Promise<User | null> {
    return this.repo(em).findOne({ where: { tenantId, id }, ...(lock ? { lock: { mode: 'pessimistic_write' as const } } : {}) });
  }

  async update(em: EntityManager, tenantId: string, id: string, patch: Partial<Pick<User, 'displayName' | 'allUnits' | 'units' | 'updatedAt'>>): Promise<void> {
    await this.repo(em).update({ tenantId, id }, patch);
  }

  async delete(em: EntityManager, tenantId: string, id: string): Promise<void> {
    await this.repo(em).delete({ tenantId, id });
  }

  list(tenantId: string, f: UserFilter, limit: number, after?: Cursor): Promise<User[]> {
    const q = this.repo().createQueryBuilder('u').where('u.tenant_id = :tenantId', { tenantId });
    // A user is in scope when one of its units lies inside a scope unit's subtree.
    if (f.scope !== '*') {
      q.andWhere('NOT u.all_units AND EXISTS (SELECT 1 FROM units x WHERE x.tenant_id = u.tenant_id AND x.id = ANY(u.units) AND x.path && :scope::text[])', { scope: f.scope });
    }
    if (f.unitPath) q.andWhere('(u.all_units OR u.units && :unitPath::text[])', { unitPath: f.unitPath });
    if (f.q) q.andWhere("u.display_name ILIKE :q ESCAPE '\\'", { q: likePattern(f.q) });
    if (after) q.andWhere('(u.created_at, u.id) < (:at, :cid)', { at: after.at, cid: after.id });
    return q.orderBy('u.created_at', 'DESC').addOrderBy('u.id', 'DESC').limit(limit).getMany();
  }
}
