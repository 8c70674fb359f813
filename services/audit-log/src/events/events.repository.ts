import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import type { HostEvent } from '@hookline/contracts';
import type { Cursor } from '@hookline/persistence';
import { applyVisibility, type Visibility } from '../visibility';
import { StoredEvent } from './entities/stored-event.entity';

export interface EventFilter {
  topic?: string;
  objectType?: string;
  objectId?: string;
  from?: Date;
  to?: Date;
}

/** "*" or one clause per logs:read grant: the event's unit inside the grant's units, and its topic matching. */
@Injectable()
export class EventsRepository {
  constructor(@InjectRepository(StoredEvent) private readonly repo: Repository<StoredEvent>) {}

  /**
   * Stores each event once, many in one statement (the rows travel as one JSON parameter,
   * so the statement's text and cost do not grow with a parameter per column per row): a
   * redelivered message hits the primary key and is ignored.
   */
  async insertMany(events: { event: HostEvent; streamSeq: number }[]): Promise<void> {
    if (events.length === 0) return;
    const unique = new Map(events.map((e) => [e.event.id, e]));
    const rows = [...unique.values()].map(({ event, streamSeq }) => ({
      id: event.id,
      tenant_id: event.tenantId,
      topic: event.topic,
      object_type: event.object.type,
      object_id: event.object.id,
      object_unit: event.object.unit ?? null,
      data: event.data,
      published_by: event.publishedBy,
      idempotency_key: event.idempotencyKey ?? null,
      received_at: event.receivedAt,
      stream_seq: streamSeq,
    }));
    await this.repo.query(
      `INSERT INTO audit_events (id, tenant_id, topic, object_type, object_id, object_unit, data, published_by, idempotency_key, received_at, stream_seq)
       SELECT id, tenant_id, topic, object_type, object_id, object_unit, data, published_by, idempotency_key, received_at, stream_seq
       FROM jsonb_to_recordset($1::jsonb) AS x(id uuid, tenant_id text, topic text, object_type text, object_id text, object_unit text, data jsonb,
         published_by text, idempotency_key text, received_at timestamptz, stream_seq bigint)
       ON CONFLICT (id) DO NOTHING`,
      [JSON.stringify(rows)],
    );
  }

  /** Newest first, keyset-paginated on (received_at, id). */
  async list(tenantId: string, filter: EventFilter, limit: number, after?: Cursor, visibility: Visibility = '*'): Promise<StoredEvent[]> {
    const q = this.repo.createQueryBuilder('e').where('e.tenant_id = :tenantId', { tenantId });
    applyVisibility(q, visibility, { alias: 'e', unit: 'object_unit', topic: 'topic' });
    if (filter.topic) q.andWhere('e.topic = :topic', { topic: filter.topic });
    if (filter.objectType) q.andWhere('e.object_type = :objectType', { objectType: filter.objectType });
    if (filter.objectId) q.andWhere('e.object_id = :objectId', { objectId: filter.objectId });
    if (filter.from) q.andWhere('e.received_at >= :from', { from: filter.from });
    if (filter.to) q.andWhere('e.received_at < :to', { to: filter.to });
    if (after) q.andWhere('(e.received_at, e.id) < (:at, :id)', { at: after.at, id: after.id });
    return q.orderBy('e.received_at', 'DESC').addOrderBy('e.id', 'DESC').limit(limit).getMany();
  }

  async findOne(tenantId: string, id: string, visibility: Visibility = '*'): Promise<StoredEvent | null> {
    const q = this.repo.createQueryBuilder('e').where('e.tenant_id = :tenantId AND e.id = :id', { tenantId, id });
    applyVisibility(q, visibility, { alias: 'e', unit: 'object_unit', topic: 'topic' });
    return q.getOne();
  }
}
