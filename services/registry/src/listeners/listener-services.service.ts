import { Injectable } from '@nestjs/common';
import { actorOf, type Principal } from '@hookline/auth';
import { uuidv7, UUID_RE, type ListenerServiceView } from '@hookline/contracts';
import { authorize, ConflictError, NotFoundError, tenantScope } from '@hookline/http';
import { ChangeLog } from '../outbox/change-log';
import { Page, PageRequest, parsePage, toPage } from '../paging';
import { TenantsRepository } from '../tenants/tenants.repository';
import { ListenersRepository } from './listeners.repository';
import { serviceView } from './listener-settings';

/** Listeners are tenant-wide settings: both actions need a grant on the whole tenant. */
export const WHOLE_TENANT = 'the whole tenant (listeners are tenant-wide)';

/** Services group a tenant's listeners, one per integration (the seed's serviceUuid). */
@Injectable()
export class ListenerServicesService {
  constructor(
    private readonly repo: ListenersRepository,
    private readonly tenants: TenantsRepository,
    private readonly changes: ChangeLog,
  ) {}

  async create(p: Principal, input: { tenant?: string; name: string; description?: string }): Promise<ListenerServiceView> {
    const tenantId = tenantScope(p, input.tenant);
    authorize(p, 'listeners:write', {}, WHOLE_TENANT);
    return this.changes.transaction(async (tx) => {
      if (!(await this.tenants.find(tenantId, tx.em))) throw new NotFoundError(`tenant ${tenantId}`);
      const s = { tenantId, id: uuidv7(tx.now.getTime()), name: input.name, description: input.description ?? null, createdAt: tx.now, updatedAt: tx.now };
      if (!(await this.repo.insertService(tx.em, s))) throw new ConflictError(`a listener service named ${input.name} already exists`);
      const view = serviceView(s);
      await tx.record({ tenantId, entity: 'listener-service', entityId: s.id, action: 'created', actor: actorOf(p), before: null, after: { ...view } });
      return view;
    });
  }

  async list(p: Principal, input: PageRequest & { tenant?: string }): Promise<Page<ListenerServiceView>> {
    const tenantId = tenantScope(p, input.tenant);
    authorize(p, 'listeners:read', {}, WHOLE_TENANT);
    const { limit, after } = parsePage(input, UUID_RE);
    return toPage(await this.repo.listServices(tenantId, limit + 1, after), limit, (s) => s.id, serviceView);
  }

  async get(p: Principal, tenant: string | undefined, id: string): Promise<ListenerServiceView> {
    const tenantId = tenantScope(p, tenant);
    authorize(p, 'listeners:read', {}, WHOLE_TENANT);
    const s = UUID_RE.test(id) ? await this.repo.findService(tenantId, id) : null;
    if (!s) throw new NotFoundError(`listener service ${id}`);
    return serviceView(s);
  }

  async update(p: Principal, tenant: string | undefined, id: string, input: { name?: string; description?: string | null }): Promise<ListenerServiceView> {
    const tenantId = tenantScope(p, tenant);
    authorize(p, 'listeners:write', {}, WHOLE_TENANT);
    return this.changes.transaction(async (tx) => {
      const s = UUID_RE.test(id) ? await this.repo.findService(tenantId, id, tx.em, true) : null;
      if (!s) throw new NotFoundError(`listener service ${id}`);
      if (input.name !== undefined && input.name !== s.name && (await this.repo.findServiceByName(tenantId, input.name, tx.em))) {
        throw new ConflictError(`a listener service named ${input.name} already exists`);
      }
      const patch = { updatedAt: tx.now, ...(input.name !== undefined ? { name: input.name } : {}), ...(input.description !== undefined ? { description: input.description } : {}) };
      await this.repo.updateService(tx.em, tenantId, id, patch);
      const after = { ...s, ...patch };
      await tx.record({ tenantId, entity: 'listener-service', entityId: id, action: 'updated', actor: actorOf(p), before: { ...serviceView(s) }, after: { ...serviceView(after) } });
      return serviceView(after);
    });
  }

  /** Only an empty service can be deleted: its listeners' URLs name it. */
  async delete(p: Principal, tenant: string | undefined, id: string): Promise<void> {
    const tenantId = tenantScope(p, tenant);
    authorize(p, 'listeners:write', {}, WHOLE_TENANT);
    await this.changes.transaction(async (tx) => {
      const s = UUID_RE.test(id) ? await this.repo.findService(tenantId, id, tx.em, true) : null;
      if (!s) throw new NotFoundError(`listener service ${id}`);
      const n = await this.repo.countInService(tenantId, id, tx.em);
      if (n > 0) throw new ConflictError(`listener service ${id} still has ${n} listener(s); delete them first`);
      await this.repo.deleteService(tx.em, tenantId, id);
      await tx.record({ tenantId, entity: 'listener-service', entityId: id, action: 'deleted', actor: actorOf(p), before: { ...serviceView(s) }, after: null });
    });
  }
}
