import { Injectable } from '@nestjs/common';
import type { Principal } from '@hookline/auth';
import { UUID_RE } from '@hookline/contracts';
import { NotFoundError, tenantScope, ValidationError } from '@hookline/http';
import { decodeCursor, encodeCursor } from '@hookline/persistence';
import { StoredEvent } from './entities/stored-event.entity';
import { visibilityOf } from '../visibility';
import { EventFilter, EventsRepository } from './events.repository';

export interface ListEventsInput extends Omit<EventFilter, 'from' | 'to'> {
  tenant?: string;
  from?: string;
  to?: string;
  limit?: number;
  cursor?: string;
}

export function eventView(e: StoredEvent) {
  return {
    id: e.id,
    tenant: e.tenantId,
    topic: e.topic,
    object: { type: e.objectType, id: e.objectId, ...(e.objectUnit ? { unit: e.objectUnit } : {}) },
    data: e.data,
    publishedBy: e.publishedBy,
    idempotencyKey: e.idempotencyKey ?? undefined,
    receivedAt: e.receivedAt.toISOString(),
    storedAt: e.storedAt.toISOString(),
  };
}

/** The host-event history (GET /v1/audit/events), as each principal may see it. */
@Injectable()
export class EventsService {
  constructor(private readonly events: EventsRepository) {}

  async list(p: Principal, input: ListEventsInput) {
    const tenantId = tenantScope(p, input.tenant);
    const visibility = visibilityOf(p);
    const limit = input.limit ?? 50;
    let after;
    if (input.cursor !== undefined) {
      after = decodeCursor(input.cursor, UUID_RE);
      if (!after) throw new ValidationError([{ field: 'cursor', message: 'is not a cursor returned by this API' }]);
    }
    const rows = await this.events.list(
      tenantId,
      { topic: input.topic, objectType: input.objectType, objectId: input.objectId, from: input.from ? new Date(input.from) : undefined, to: input.to ? new Date(input.to) : undefined },
      limit + 1,
      after,
      visibility,
    );
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return { data: page.map(eventView), nextCursor: rows.length > limit && last ? encodeCursor({ at: last.receivedAt.toISOString(), id: last.id }) : null };
  }

  async get(p: Principal, tenant: string | undefined, id: string) {
    const tenantId = tenantScope(p, tenant);
    const e = UUID_RE.test(id) ? await this.events.findOne(tenantId, id, visibilityOf(p)) : null;
    if (!e) throw new NotFoundError(`event ${id}`);
    return eventView(e);
  }
}
