import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import type { Cursor } from '@hookline/persistence';
import { Listener } from './entities/listener.entity';
import { ListenerService } from './entities/listener-service.entity';

@Injectable()
export class ListenersRepository {
  constructor(private readonly dataSource: DataSource) {}

  private services(em?: EntityManager) {
    return (em ?? this.dataSource.manager).getRepository(ListenerService);
  }

  private listeners(em?: EntityManager) {
    return (em ?? this.dataSource.manager).getRepository(Listener);
  }

  // ---- services

  /** False when the tenant already has a service of that name. */
  async insertService(em: EntityManager, s: ListenerService): Promise<boolean> {
    const r = await this.services(em).createQueryBuilder().insert().values(s).orIgnore().returning('1 AS inserted').updateEntity(false).execute();
    return (r.raw as unknown[]).length > 0;
  }

  findService(tenantId: string, id: string, em?: EntityManager, lock = false): Promise<ListenerService | null> {
    return this.services(em).findOne({ where: { tenantId, id }, ...(lock ? { lock: { mode: 'pessimistic_write' as const } } : {}) });
  }

  findServiceByName(tenantId: string, name: string, em?: EntityManager): Promise<ListenerService | null> {
    return this.services(em).findOne({ where: { tenantId, name } });
  }

  async updateService(em: EntityManager, tenantId: string, id: string, patch: Partial<Pick<ListenerService, 'name' | 'description' | 'updatedAt'>>): Promise<void> {
    await this.services(em).update({ tenantId, id }, patch);
  }

  async deleteService(em: EntityManager, tenantId: string, id: string): Promise<void> {
    await this.services(em).delete({ tenantId, id });
  }

  listServices(tenantId: string, limit: number, after?: Cursor): Promise<ListenerService[]> {
    const q = this.services().createQueryBuilder('s').where('s.tenant_id = :tenantId', { tenantId });
    if (after) q.andWhere('(s.created_at, s.id) < (:at, :cid)', { at: after.at, cid: after.id });
    return q.orderBy('s.created_at', 'DESC').addOrderBy('s.id', 'DESC').limit(limit).getMany();
  }

  // ---- listeners

  /** False when the tenant already has a listener of that name. */
  async insert(em: EntityManager, l: Listener): Promise<boolean> {
    const r = await this.listeners(em).createQueryBuilder().insert().values(l as never).orIgnore().returning('1 AS inserted').updateEntity(false).execute();
    return (r.raw as unknown[]).length > 0;
  }

  find(tenantId: string, id: string, em?: EntityManager, lock = false): Promise<Listener | null> {
    return this.listeners(em).findOne({ where: { tenantId, id }, ...(lock ? { lock: { mode: 'pessimistic_write' as const } } : {}) });
  }

  findByName(tenantId: string, name: string, em?: EntityManager): Promise<Listener | null> {
    return this.listeners(em).findOne({ where: { tenantId, name } });
  }

  async update(em: EntityManager, tenantId: string, id: string, patch: Partial<Omit<Listener, 'tenantId' | 'id' | 'createdAt'>>): Promise<void> {
    await this.listeners(em).update({ tenantId, id }, patch as never);
  }

  async delete(em: EntityManager, tenantId: string, id: string): Promise<void> {
    await this.listeners(em).delete({ tenantId, id });
  }

  async countInService(tenantId: string, serviceId: string, em?: EntityManager): Promise<number> {
    return this.listeners(em).count({ where: { tenantId, serviceId } });
  }

  list(tenantId: string, f: { serviceId?: string; name?: string }, limit: number, after?: Cursor): Promise<Listener[]> {
    const q = this.listeners().createQueryBuilder('l').where('l.tenant_id = :tenantId', { tenantId });
    if (f.serviceId) q.andWhere('l.service_id = :serviceId', { serviceId: f.serviceId });
    if (f.name) q.andWhere('l.name = :name', { name: f.name });
    if (after) q.andWhere('(l.created_at, l.id) < (:at, :cid)', { at: after.at, cid: after.id });
    return q.orderBy('l.created_at', 'DESC').addOrderBy('l.id', 'DESC').limit(limit).getMany();
  }

  /** Table names the tenant's other listeners use. */
  async tableNamesOfOthers(tenantId: string, exceptId: string | null, em?: EntityManager): Promise<string[]> {
    const rows: { name: string }[] = await (em ?? this.dataSource.manager).query(
      `SELECT t->>'name' AS name FROM listeners l, jsonb_array_elements(l.structure->'tables') t WHERE l.tenant_id = $1 AND l.structure IS NOT NULL AND ($2::uuid IS NULL OR l.id <> $2::uuid)`,
      [tenantId, exceptId],
    );
    return rows.map((r) => r.name);
  }
}

/**
 * The tables of listeners, in each tenant's own schema. DDL runs inside the caller's
 * transaction (PostgreSQL's DDL is transactional), so a structure, its tables and the
 * change event describing them commit together or not at all.
 */
@Injectable()
export class ListenerTablesRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Serialises DDL per tenant schema (CREATE SCHEMA IF NOT EXISTS is not safe against a concurrent twin). */
  async lockSchema(em: EntityManager, schema: string): Promise<void> {
    await em.query(`SELECT pg_advisory_xact_lock(hashtext('listener-schema:' || $1))`, [schema]);
  }

  /** Every table in the schema, whoever made it. */
  async tablesIn(schema: string, em?: EntityManager): Promise<string[]> {
    const rows: { table_name: string }[] = await (em ?? this.dataSource.manager).query(`SELECT table_name FROM information_schema.tables WHERE table_schema = $1`, [schema]);
    return rows.map((r) => r.table_name);
  }

  /** Runs statements built by @hookline/listener-tables (identifiers quoted, no values inline). */
  async run(em: EntityManager, statements: readonly string[]): Promise<void> {
    for (const sql of statements) await em.query(sql);
  }
}
