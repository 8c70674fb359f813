import { Injectable } from '@nestjs/common';
import { deliveryMsgIds, deliverySubjects, type DeliveryKind, type DispatchOrder } from '@hookline/contracts';
import type { Principal } from '@hookline/auth';
import { authorize, ConflictError, NotFoundError, tenantScope, ValidationError } from '@hookline/http';
import { JetStreamPublisher } from '@hookline/messaging';
import { decodeCursor, encodeCursor } from '@hookline/persistence';
import { visibilityOf } from '../visibility';
import { AttemptRecord, DeliveriesRepository, DeliveryFilter, DeliveryRow } from './deliveries.repository';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** Settled deliveries, and ones waiting for a retry (the resend goes now; success ends the wait). */
const RESENDABLE = new Set(['succeeded', 'failed', 'scheduled']);

export function summary(d: DeliveryRow) {
  return {
    id: d.id,
    kind: d.kind,
    eventId: d.event_id,
    topic: d.topic,
    receiver: { id: d.receiver_id, name: d.receiver_name },
    status: d.status,
    statusReason: d.status_reason ?? undefined,
    lastStatusCode: d.last_status_code,
    lastErrorClass: d.last_error_class ?? undefined,
    attempts: d.attempts,
    nextAttemptAt: d.next_attempt_at ? new Date(d.next_attempt_at).toISOString() : null,
    lastAttemptAt: d.last_attempt_at ? new Date(d.last_attempt_at).toISOString() : null,
    createdAt: new Date(d.created_at).toISOString(),
  };
}

function attemptView(a: AttemptRecord) {
  return {
    attempt: a.attempt,
    at: new Date(a.at).toISOString(),
    ok: a.ok,
    statusCode: a.status_code,
    durationMs: a.duration_ms,
    errorClass: a.error_class ?? undefined,
    error: a.error ?? undefined,
    manual: a.manual,
    requestHeaders: a.request_headers,
    responseBody: a.response_body,
    responseTruncated: a.response_truncated,
  };
}

@Injectable()
export class DeliveriesService {
  constructor(
    private readonly repo: DeliveriesRepository,
    private readonly publisher: JetStreamPublisher,
  ) {}

  async list(p: Principal, tenant: string | undefined, filter: DeliveryFilter, limit: number, cursor?: string) {
    const tenantId = tenantScope(p, tenant);
    let after;
    if (cursor !== undefined) {
      after = decodeCursor(cursor, UUID);
      if (!after) throw new ValidationError([{ field: 'cursor', message: 'is not a cursor returned by this API' }]);
    }
    const rows = await this.repo.list(tenantId, filter, limit + 1, after, visibilityOf(p));
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return {
      data: page.map(summary),
      nextCursor: rows.length > limit && last ? encodeCursor({ at: new Date(last.created_at).toISOString(), id: last.id }) : null,
    };
  }

  async get(p: Principal, tenant: string | undefined, id: string) {
    const tenantId = tenantScope(p, tenant);
    const d = UUID.test(id) ? await this.repo.findOne(tenantId, id, visibilityOf(p)) : undefined;
    if (!d) throw new NotFoundError(`delivery ${id}`);
    const attempts = await this.repo.attempts(tenantId, id);
    const last = attempts[attempts.length - 1];
    return {
      ...summary(d),
      url: d.url,
      unit: d.unit ?? undefined,
      request: d.body === null ? null : { method: 'POST', url: d.url, headers: last?.request_headers ?? {}, body: d.body },
      attemptLog: attempts.map(attemptView),
    };
  }

  /** Sends the delivery again, with the same delivery id, as the next attempt. */
  async resend(p: Principal, tenant: string | undefined, id: string): Promise<{ deliveryId: string; attempt: number }> {
    const tenantId = tenantScope(p, tenant);
    const d = UUID.test(id) ? await this.repo.findOne(tenantId, id, visibilityOf(p)) : undefined;
    if (!d) throw new NotFoundError(`delivery ${id}`);
    // Sending again is a change to a receiver's traffic: it needs receivers:write for the topic too.
    if (d.topic) authorize(p, 'receivers:write', { topic: d.topic }, `deliveries of topic ${d.topic}`);
    if (!d.status || !RESENDABLE.has(d.status) || d.body === null || !d.event_id || !d.topic || !d.receiver_id) {
      throw new ConflictError(`a ${d.status} delivery cannot be resent; only succeeded, failed or scheduled ones can`);
    }
    const order: DispatchOrder = {
      deliveryId: d.id,
      tenantId,
      kind: d.kind as DeliveryKind,
      eventId: d.event_id,
      topic: d.topic,
      receiverId: d.receiver_id,
      attempt: d.attempts + 1,
      body: d.body,
      createdAt: new Date().toISOString(),
      manual: true,
    };
    await this.publisher.publish('dispatch-due', deliverySubjects.due(tenantId), order, { msgId: deliveryMsgIds.due(order) });
    return { deliveryId: d.id, attempt: order.attempt };
  }
}
