import { Injectable } from '@nestjs/common';
import { actorOf, type Principal } from '@hookline/auth';
import type { TopicView } from '@hookline/contracts';
import { authorize, ConflictError, NotFoundError, tenantScope } from '@hookline/http';
import { ChangeLog } from '../outbox/change-log';
import { Page, PageRequest, parsePage, toPage } from '../paging';
import { TenantsRepository } from '../tenants/tenants.repository';
import { topicView, TopicsRepository } from './topics.repository';

/** The catalogue of event topics a tenant's receivers may subscribe to. */
@Injectable()
export class TopicsService {
  constructor(
    private readonly topics: TopicsRepository,
    private readonly tenants: TenantsRepository,
    private readonly changes: ChangeLog,
  ) {}

  async create(p: Principal, input: { tenant?: string; name: string; description?: string; example?: Record<string, unknown> }): Promise<TopicView> {
    const tenantId = tenantScope(p, input.tenant);
    authorize(p, 'receivers:write', { topic: input.name }, `topic ${input.name}`);
    return this.changes.transaction(async (tx) => {
      if (!(await this.tenants.find(tenantId, tx.em))) throw new NotFoundError(`tenant ${tenantId}`);
      const t = { tenantId, name: input.name, description: input.description ?? null, example: input.example ?? null, createdAt: tx.now, updatedAt: tx.now };
      if (!(await this.topics.insertIfAbsent(tx.em, t))) throw new ConflictError(`topic ${input.name} already exists`);
      const view = topicView(t);
      await tx.record({ tenantId, entity: 'topic', entityId: t.name, action: 'created', actor: actorOf(p), before: null, after: { ...view } });
      return view;
    });
  }

  async list(p: Principal, input: PageRequest & { tenant?: string }): Promise<Page<TopicView>> {
    const tenantId = tenantScope(p, input.tenant);
    const { limit, after } = parsePage(input);
    const rows = await this.topics.list(tenantId, limit + 1, after);
    return toPage(rows, limit, (t) => t.name, topicView);
  }

  async get(p: Principal, tenant: string | undefined, name: string): Promise<TopicView> {
    const tenantId = tenantScope(p, tenant);
    const t = await this.topics.find(tenantId, name);
    if (!t) throw new NotFoundError(`topic ${name}`);
    return topicView(t);
  }

  async update(p: Principal, tenant: string | undefined, name: string, input: { description?: string; example?: Record<string, unknown> }): Promise<TopicView> {
    const tenantId = tenantScope(p, tenant);
    authorize(p, 'receivers:write', { topic: name }, `topic ${name}`);
    return this.changes.transaction(async (tx) => {
      const t = await this.topics.find(tenantId, name, tx.em);
      if (!t) throw new NotFoundError(`topic ${name}`);
      const patch = { updatedAt: tx.now, ...(input.description !== undefined ? { description: input.description } : {}), ...(input.example !== undefined ? { example: input.example } : {}) };
      await this.topics.update(tx.em, tenantId, name, patch);
      const after = { ...t, ...patch };
      await tx.record({ tenantId, entity: 'topic', entityId: name, action: 'updated', actor: actorOf(p), before: { ...topicView(t) }, after: { ...topicView(after) } });
      return topicView(after);
    });
  }

  async delete(p: Principal, tenant: string | undefined, name: string): Promise<void> {
    const tenantId = tenantScope(p, tenant);
    authorize(p, 'receivers:write', { topic: name }, `topic ${name}`);
    await this.changes.transaction(async (tx) => {
      const t = await this.topics.find(tenantId, name, tx.em);
      if (!t) throw new NotFoundError(`topic ${name}`);
      await this.topics.delete(tx.em, tenantId, name);
      await tx.record({ tenantId, entity: 'topic', entityId: name, action: 'deleted', actor: actorOf(p), before: { ...topicView(t) }, after: null });
    });
  }
}
