import { Injectable } from '@nestjs/common';
import { principalAllows, type Principal } from '@hookline/auth';
import { describeActor, UUID_RE } from '@hookline/contracts';
import { ForbiddenError, NotFoundError, tenantScope, ValidationError } from '@hookline/http';
import { decodeCursor, encodeCursor } from '@hookline/persistence';
import { ChangeFilter, ChangesRepository } from './changes.repository';
import { StoredChange } from './entities/stored-change.entity';

export interface ListChangesInput {
  tenant?: string;
  entity?: string;
  entityId?: string;
  actor?: string;
  from?: string;
  to?: string;
  limit?: number;
  cursor?: string;
}

export function changeView(c: StoredChange) {
  return {
    id: c.id,
    tenant: c.tenantId,
    entity: c.entity,
    entityId: c.entityId,
    action: c.action,
    actor: c.actor,
    /** "operator", "account A (id)", "user X (id) through account A (id)". */
    by: describeActor(c.actor),
    at: c.at.toISOString(),
    before: c.before,
    after: c.after,
    ...(c.detail ? { detail: c.detail } : {}),
  };
}

export function parseActor(raw: string | undefined): ChangeFilter['actor'] {
  if (!raw) return undefined;
  if (raw === 'operator') return { kind: 'operator' };
  const i = raw.indexOf(':');
  const kind = raw.slice(0, i);
  return kind === 'account' || kind === 'user' ? { kind, id: raw.slice(i + 1) } : undefined;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * Who changed what in the registry, and when. Changes concern the tenant as a whole,
 * so reading them takes logs:read on the whole tenant.
 */
@Injectable()
export class ChangesService {
  constructor(private readonly changes: ChangesRepository) {}

  async list(p: Principal, input: ListChangesInput) {
    const tenantId = this.scope(p, input.tenant);
    const limit = input.limit ?? 50;
    let after;
    if (input.cursor !== undefined) {
      after = decodeCursor(input.cursor, UUID_RE);
      if (!after) throw new ValidationError([{ field: 'cursor', message: 'is not a cursor returned by this API' }]);
    }
    const filter: ChangeFilter = {
      entity: input.entity,
      entityId: input.entityId,
      actor: parseActor(input.actor),
      from: input.from ? new Date(input.from) : undefined,
      to: input.to ? new Date(input.to) : undefined,
    };
    const rows = await this.changes.list(tenantId, filter, limit + 1, after);
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return { data: page.map(changeView), nextCursor: rows.length > limit && last ? encodeCursor({ at: last.at.toISOString(), id: last.id }) : null };
  }

  async get(p: Principal, tenant: string | undefined, id: string) {
    const tenantId = this.scope(p, tenant);
    const c = UUID.test(id) ? await this.changes.findOne(tenantId, id) : null;
    if (!c) throw new NotFoundError(`change ${id}`);
    return changeView(c);
  }

  private scope(p: Principal, tenant: string | undefined): string {
    const tenantId = tenantScope(p, tenant);
    if (!principalAllows(p, 'logs:read')) throw new ForbiddenError('the change history needs logs:read on the whole tenant');
    return tenantId;
  }
}
