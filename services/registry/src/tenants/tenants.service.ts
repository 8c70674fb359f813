import { Injectable } from '@nestjs/common';
import { actorOf, type Principal } from '@hookline/auth';
import type { TenantView } from '@hookline/contracts';
import { ConflictError, ForbiddenError, NotFoundError } from '@hookline/http';
import { ChangeLog } from '../outbox/change-log';
import { Page, PageRequest, parsePage, toPage } from '../paging';
import { tenantView, TenantsRepository } from './tenants.repository';

export interface CreateTenantInput {
  id: string;
  name: string;
  baseUrl?: string;
}

export interface UpdateTenantInput {
  name?: string;
  baseUrl?: string | null;
}

function requireOperator(p: Principal): void {
  if (p.kind !== 'operator') throw new ForbiddenError('tenants are managed with the operator token');
}

@Injectable()
export class TenantsService {
  constructor(
    private readonly tenants: TenantsRepository,
    private readonly changes: ChangeLog,
  ) {}

  async create(p: Principal, input: CreateTenantInput): Promise<TenantView> {
    requireOperator(p);
    return this.changes.transaction(async (tx) => {
      const t = { id: input.id, name: input.name, baseUrl: input.baseUrl ?? null, createdAt: tx.now, updatedAt: tx.now };
      const provetId = await this.tenants.insertIfAbsent(tx.em, t);
      if (provetId === undefined) throw new ConflictError(`tenant ${input.id} already exists`);
      const view = tenantView({ ...t, provetId });
      await tx.record({ tenantId: t.id, entity: 'tenant', entityId: t.id, action: 'created', actor: actorOf(p), before: null, after: { ...view } });
      return view;
    });
  }

  async get(p: Principal, tenantId: string): Promise<TenantView> {
    requireOperator(p);
    const t = await this.tenants.find(tenantId);
    if (!t) throw new NotFoundError(`tenant ${tenantId}`);
    return tenantView(t);
  }

  async list(p: Principal, page: PageRequest): Promise<Page<TenantView>> {
    requireOperator(p);
    const { limit, after } = parsePage(page);
    return toPage(await this.tenants.list(limit + 1, after), limit, (t) => t.id, tenantView);
  }

  async update(p: Principal, tenantId: string, input: UpdateTenantInput): Promise<TenantView> {
    requireOperator(p);
    return this.changes.transaction(async (tx) => {
      const t = await this.tenants.find(tenantId, tx.em, true);
      if (!t) throw new NotFoundError(`tenant ${tenantId}`);
      const before = tenantView(t);
      const patch = { ...(input.name !== undefined ? { name: input.name } : {}), ...(input.baseUrl !== undefined ? { baseUrl: input.baseUrl } : {}), updatedAt: tx.now };
      await this.tenants.update(tx.em, tenantId, patch);
      const after = tenantView({ ...t, ...patch });
      await tx.record({ tenantId, entity: 'tenant', entityId: tenantId, action: 'updated', actor: actorOf(p), before: { ...before }, after: { ...after } });
      return after;
    });
  }
}
