import { Injectable } from '@nestjs/common';
import { deliveryMsgIds, deliverySubjects, UUID_RE, type DispatchOrder } from '@hookline/contracts';
import { principalAllows, type Principal } from '@hookline/auth';
import { DeliveryKindsService } from '@hookline/delivery';
import { authorize, ConflictError, NotFoundError, tenantScope, ValidationError } from '@hookline/http';
import { JetStreamPublisher } from '@hookline/messaging';
import { decodeCursor, encodeCursor } from '@hookline/persistence';
import { visibilityOf } from '../visibility';
import { AttemptRecord, DeliveriesRepository, DeliveryFilter, DeliveryRow } from './deliveries.repository';

/** Settled deliveries, and ones waiting for a retry (the resend goes now; success ends the wait). */
export const RESENDABLE_STATUSES = ['succeeded', 'failed', 'scheduled'] as const;
const RESENDABLE: ReadonlySet<string> = new Set(RESENDABLE_STATUSES);

export function summary(d: DeliveryRow) {
  return {
    id: d.id,
    kind: d.kind,
    target: { id: d.target_id, name: d.target_name },
    eventId: d.event_id,
    topic: d.topic,
    status: d.status,
    statusReason: d.status_reason ?? undefined,
    lastStatusCode: d.last_status_code,
    lastErrorClass: d.last_error_class ?? undefined,
    attempts: d.attempts,
    nextAttemptAt: d.next_attempt_at ? new Date(d.next_attempt_at).toISOString() : null,
    lastAttemptAt: d.last_attempt_at ? new Date(d.last_attempt_at).toISOString() : null,
    createdAt: new Date(d.created_at).toISOString(),
    ...(d.context ? { context: d.context } : {}),
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
    method: a.method,
    url: a.url,
    requestHeaders: a.request_headers,
    responseHeaders: a.response_headers ?? {},
    responseBody: a.response_body,
    responseTruncated: a.response_truncated,
  };
}

/** A resend order: the same delivery id, the next attempt number. */
export function resendOrder(d: DeliveryRow, attempt: number, createdAt: string): DispatchOrder {
  return {
    deliveryId: d.id,
    tenantId: d.tenant_id,
    kind: d.kind,
    target: d.target_id ?? '',
    ...(d.event_id && d.topic ? { source: { eventId: d.event_id, topic: d.topic } } : {}),
    attempt,
    body: d.body ?? '',
    createdAt,
    manual: true,
  };
}

/**
 * A single resend's msg id: the delivery's id, the attempt, and the delivery's last
 * attempt (or its creation), i.e. the state the resend was asked of, so asking again
 * before the resent attempt is in the log is the same message (JetStream drops the
 * copy). With the time of asking in it, five quick clicks were five requests to the
 * receiver under one attempt number, and the log, one row per attempt, showed one. The
 * order itself keeps the time of asking (an expiring kind's parked order is judged by it).
 */
export function resendMsgId(d: Pick<DeliveryRow, 'last_attempt_at' | 'created_at'>, order: DispatchOrder): string {
  return deliveryMsgIds.due({ ...order, createdAt: new Date(d.last_attempt_at ?? d.created_at).toISOString() });
}

@Injectable()
export class DeliveriesService {
  constructor(
    private readonly repo: DeliveriesRepository,
    private readonly publisher: JetStreamPublisher,
    private readonly kinds: DeliveryKindsService,
  ) {}

  async list(p: Principal, tenant: string | undefined, filter: DeliveryFilter, limit: number, cursor?: string) {
    const tenantId = tenantScope(p, tenant);
    let after;
    if (cursor !== undefined) {
      after = decodeCursor(cursor, UUID_RE);
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

  private async find(p: Principal, tenant: string | undefined, id: string): Promise<DeliveryRow> {
    const tenantId = tenantScope(p, tenant);
    const d = UUID_RE.test(id) ? await this.repo.findOne(tenantId, id, visibilityOf(p)) : undefined;
    if (!d) throw new NotFoundError(`delivery ${id}`);
    return d;
  }

  async get(p: Principal, tenant: string | undefined, id: string) {
    const d = await this.find(p, tenant, id);
    const attempts = await this.repo.attempts(d.tenant_id, id);
    const last = attempts[attempts.length - 1];
    // What the last attempt really sent; before any attempt, the payload it will carry.
    const body = last ? (last.request_body ?? d.body) : d.body;
    return {
      ...summary(d),
      url: d.url,
      unit: d.unit ?? undefined,
      request:
        d.body === null
          ? null
          : { method: last?.method ?? null, url: last?.url ?? d.url, headers: last?.request_headers ?? {}, body: body === '' ? null : body, payload: d.body },
      attemptLog: attempts.map(attemptView),
    };
  }

  /** Whether the principal may send deliveries of this row's kind (and topic) again. */
  private mayResend(p: Principal, d: DeliveryRow): boolean {
    if (!this.kinds.kinds.has(d.kind)) return false;
    const { action, topicScoped } = this.kinds.kinds.get(d.kind).resend;
    return principalAllows(p, action, topicScoped && d.topic ? { topic: d.topic } : {});
  }

  /** Sends the delivery again, with the same delivery id, as the next attempt. */
  async resend(p: Principal, tenant: string | undefined, id: string): Promise<{ deliveryId: string; attempt: number }> {
    const d = await this.find(p, tenant, id);
    if (!this.kinds.kinds.has(d.kind)) throw new ConflictError(`deliveries of kind ${d.kind} cannot be resent here: the kind is not registered`);
    const { action, topicScoped } = this.kinds.kinds.get(d.kind).resend;
    // Sending again changes a target's traffic: the kind says which permission that takes.
    authorize(p, action, topicScoped && d.topic ? { topic: d.topic } : {}, topicScoped && d.topic ? `deliveries of topic ${d.topic}` : `${d.kind} deliveries`);
    if (!d.status || !RESENDABLE.has(d.status) || d.body === null || d.target_id === null) {
      throw new ConflictError(`a ${d.status} delivery cannot be resent; only succeeded, failed or scheduled ones can`);
    }
    const order = resendOrder(d, d.attempts + 1, new Date().toISOString());
    await this.publisher.publish('dispatch-due', deliverySubjects.due(d.tenant_id), order, { msgId: resendMsgId(d, order) });
    return { deliveryId: d.id, attempt: order.attempt };
  }

  /** For bulk resends: whether a row can be sent again by this principal. */
  resendable(p: Principal, d: DeliveryRow): 'yes' | 'forbidden' | 'not-resendable' {
    if (!d.status || !RESENDABLE.has(d.status) || d.body === null || d.target_id === null) return 'not-resendable';
    return this.mayResend(p, d) ? 'yes' : 'forbidden';
  }
}
