import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import type { DepartmentRef, InstallationView } from '@hookline/contracts';
import type { Cursor } from '@hookline/persistence';
import { Installation } from './entities/installation.entity';

export function installationView(i: Installation, ctx: { provetId: number; departments: readonly DepartmentRef[] }): InstallationView {
  return {
    id: i.id,
    tenant: i.tenantId,
    provetId: ctx.provetId,
    templateId: i.templateId,
    templateVersion: i.templateVersion,
    templateName: i.templateName,
    templateOwner: i.templateOwner,
    clientId: i.id,
    oauth: { ...i.oauth, redirectUris: [...i.oauth.redirectUris], scopes: [...i.oauth.scopes] },
    channel: i.channel,
    departments: ctx.departments.map((d) => ({ ...d })),
    status: i.status,
    secretVersion: i.secretVersion,
    uninstalledAt: i.uninstalledAt ? i.uninstalledAt.toISOString() : null,
    createdAt: i.createdAt.toISOString(),
    updatedAt: i.updatedAt.toISOString(),
  };
}

@Injectable()
export class InstallationsRepository {
  constructor(private readonly dataSource: DataSource) {}

  private repo(em?: EntityManager) {
    return (em ?? this.dataSource.manager).getRepository(Installation);
  }

  async insert(em: EntityManager, i: Installation): Promise<void> {
    await this.repo(em).insert(i as never);
  }

  find(tenantId: string, id: string, em?: EntityManager, lock = false): Promise<Installation | null> {
    return this.repo(em).findOne({ where: { tenantId, id }, ...(lock ? { lock: { mode: 'pessimistic_write' as const } } : {}) });
  }

  /**
   * The one lookup without a tenant: the OAuth provider knows a token or an
   * authorization request by its client id only, which is the installation id.
   */
  findByClientId(clientId: string): Promise<Installation | null> {
    return this.repo().findOne({ where: { id: clientId } });
  }

  async update(em: EntityManager, tenantId: string, id: string, patch: Partial<Omit<Installation, 'tenantId' | 'id' | 'createdAt'>>): Promise<void> {
    await this.repo(em).update({ tenantId, id }, patch as never);
  }

  list(tenantId: string, f: { status?: 'active' | 'uninstalled'; templateId?: string }, limit: number, after?: Cursor): Promise<Installation[]> {
    const q = this.repo().createQueryBuilder('i').where('i.tenant_id = :tenantId', { tenantId });
    if (f.status) q.andWhere('i.status = :status', { status: f.status });
    if (f.templateId) q.andWhere('i.template_id = :templateId', { templateId: f.templateId });
    if (after) q.andWhere('(i.created_at, i.id) < (:at, :id)', { at: after.at, id: after.id });
    return q.orderBy('i.created_at', 'DESC').addOrderBy('i.id', 'DESC').limit(limit).getMany();
  }

  /** The tenant's number (provet_id), given by the database. */
  async provetId(tenantId: string, em?: EntityManager): Promise<number | undefined> {
    const rows: { provet_id: number }[] = await (em ?? this.dataSource.manager).query('SELECT provet_id FROM tenants WHERE id = $1', [tenantId]);
    return rows[0]?.provet_id;
  }

  /** Units of the tenant with their numbers (department ids) and paths; unknown ids are left out. */
  async departments(tenantId: string, unitIds: readonly string[], em?: EntityManager): Promise<Map<string, { id: number; path: string[] }>> {
    if (unitIds.length === 0) return new Map();
    const rows: { id: string; department_id: number; path: string[] }[] = await (em ?? this.dataSource.manager).query(
      'SELECT id, department_id, path FROM units WHERE tenant_id = $1 AND id = ANY($2)',
      [tenantId, [...new Set(unitIds)]],
    );
    return new Map(rows.map((r) => [r.id, { id: r.department_id, path: r.path }]));
  }
}
