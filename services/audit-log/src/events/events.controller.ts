import { Controller, Get, Param, Query } from '@nestjs/common';
import { NotFoundError, ValidationError } from '@hookline/http';
import { decodeCursor, encodeCursor } from '@hookline/persistence';
import { ListEventsQuery } from './dto/list-events.query';
import { StoredEvent } from './entities/stored-event.entity';
import { EventsRepository } from './events.repository';

function view(e: StoredEvent) {
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

function requireTenant(tenant: string | undefined): string {
  if (!tenant) throw new ValidationError([{ field: 'tenant', message: 'tenant is required with the operator token' }]);
  return tenant;
}

@Controller('v1/audit/events')
export class EventsController {
  constructor(private readonly events: EventsRepository) {}

  @Get()
  async list(@Query() q: ListEventsQuery) {
    const tenantId = requireTenant(q.tenant);
    const limit = q.limit ?? 50;
    let after;
    if (q.cursor !== undefined) {
      after = decodeCursor(q.cursor);
      if (!after) throw new ValidationError([{ field: 'cursor', message: 'is not a cursor returned by this API' }]);
    }
    const rows = await this.events.list(
      tenantId,
      { topic: q.topic, objectType: q.objectType, objectId: q.objectId, from: q.from ? new Date(q.from) : undefined, to: q.to ? new Date(q.to) : undefined },
      limit + 1,
      after,
    );
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return {
      data: page.map(view),
      nextCursor: rows.length > limit && last ? encodeCursor({ at: last.receivedAt.toISOString(), id: last.id }) : null,
    };
  }

  @Get(':id')
  async get(@Param('id') id: string, @Query() q: ListEventsQuery) {
    const tenantId = requireTenant(q.tenant);
    const e = /^[0-9a-f-]{36}$/.test(id) ? await this.events.findOne(tenantId, id) : null;
    if (!e) throw new NotFoundError(`event ${id}`);
    return view(e);
  }
}
