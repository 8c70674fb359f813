// One outbound delivery's life, as events on hookline.delivery.<tenant>.<type>, and the
// work orders that drive attempts on hookline.dispatch.{due,failed}.<tenant> (the first
// attempt's order is the "created" fact itself). Every kind
// of outbound traffic (webhooks, push notifications, integration requests, hookup
// notifications) shares these.
import { stableUuid } from './ids';

export type DeliveryKind = 'webhook' | 'push' | 'integration' | 'hookup';

export type DeliveryStatus = 'pending' | 'scheduled' | 'succeeded' | 'failed' | 'filtered' | 'cancelled' | 'purged';

/** What happened to one attempt, classified so logs and metrics can group failures. */
export type AttemptErrorClass =
  | 'timeout'
  | 'connect-refused'
  | 'dns'
  | 'tls'
  | 'ssrf-blocked'
  | 'redirect'
  | 'http-status'
  | 'contract'
  | 'network'
  | 'signing'
  | 'cancelled'
  | 'internal';

interface Base {
  deliveryId: string;
  tenantId: string;
  kind: DeliveryKind;
  at: string;
}

export interface DeliveryCreated extends Base {
  type: 'created';
  eventId: string;
  topic: string;
  receiverId: string;
  receiverName: string;
  url: string;
  /** The exact body sent on every attempt. */
  body: string;
  /** The object unit, kept for filtering the log. */
  unit?: string;
}

export interface DeliveryFiltered extends Base {
  type: 'filtered';
  eventId: string;
  topic: string;
  receiverId: string;
  receiverName: string;
  reason: string;
}

export interface DeliveryAttempted extends Base {
  type: 'attempted';
  attempt: number;
  ok: boolean;
  durationMs: number;
  statusCode?: number;
  errorClass?: AttemptErrorClass;
  error?: string;
  /** Request headers as sent, with secrets replaced by "[redacted]". */
  requestHeaders: Record<string, string>;
  responseBody?: string;
  responseTruncated?: boolean;
  manual?: boolean;
}

export interface DeliveryScheduled extends Base {
  type: 'scheduled';
  /** The attempt number that is due at dueAt. */
  attempt: number;
  dueAt: string;
}

/** What one attempt did, as the log keeps it. */
export type DeliveryAttemptRecord = Omit<DeliveryAttempted, 'deliveryId' | 'tenantId' | 'kind' | 'type' | 'attempt'>;

export interface DeliverySucceeded extends Base {
  type: 'succeeded';
  attempt: number;
  /**
   * The attempt that succeeded. The dispatcher sends it here instead of a separate
   * "attempted" fact, so a delivery that succeeds costs one fact, not two; a succeeded
   * fact without it follows its own "attempted" fact.
   */
  record?: DeliveryAttemptRecord;
}

export interface DeliveryFailed extends Base {
  type: 'failed';
  attempts: number;
  reason: string;
}

export interface DeliveryCancelled extends Base {
  type: 'cancelled';
  reason: string;
}

export interface DeliveryPurged extends Base {
  type: 'purged';
  reason: string;
}

export type DeliveryLifecycleEvent =
  | DeliveryCreated
  | DeliveryFiltered
  | DeliveryAttempted
  | DeliveryScheduled
  | DeliverySucceeded
  | DeliveryFailed
  | DeliveryCancelled
  | DeliveryPurged;

/** "Attempt this delivery now." Carries everything the attempt needs except the secrets. */
export interface DispatchOrder {
  deliveryId: string;
  tenantId: string;
  kind: DeliveryKind;
  eventId: string;
  topic: string;
  receiverId: string;
  /** 1 for the first attempt; a resend continues the count. */
  attempt: number;
  body: string;
  createdAt: string;
  manual?: boolean;
  /**
   * How many times this attempt was parked: set aside in the retry-scheduler's agenda
   * because its receiver was busy for longer than a hand-back should last. Part of the
   * order's identity, so each release is a new message and not a duplicate.
   */
  parked?: number;
}

/** An order set aside until its receiver should have room, kept in the retry-scheduler's agenda. */
export interface ParkedOrder {
  order: DispatchOrder;
  dueAt: string;
}

/** An order whose attempt failed, handed to the retry-scheduler with what it needs to decide. */
export interface FailedOrder {
  order: DispatchOrder;
  attemptedAt: string;
  retryAfter?: string;
  errorClass: AttemptErrorClass;
  /** A failure that no retry can fix (receiver deleted): give up at once. */
  final?: boolean;
}

/**
 * "A manual resend of this delivery succeeded": tells the retry-scheduler to drop a retry
 * still waiting for it. Only resends need it: a retry the scheduler released has already
 * left its agenda, and a first attempt never was on it.
 */
export interface ResendSucceeded {
  deliveryId: string;
  tenantId: string;
  attempt: number;
}

/** The order for a delivery's first attempt, which its "created" fact stands for. */
export function firstOrderOf(c: DeliveryCreated): DispatchOrder {
  return { deliveryId: c.deliveryId, tenantId: c.tenantId, kind: c.kind, eventId: c.eventId, topic: c.topic, receiverId: c.receiverId, attempt: 1, body: c.body, createdAt: c.at };
}

export function deliveryIdFor(eventId: string, receiverId: string): string {
  return stableUuid('delivery', eventId, receiverId);
}

export const deliverySubjects = {
  lifecycle: (tenantId: string, type: DeliveryLifecycleEvent['type']) => `hookline.delivery.${tenantId}.${type}`,
  due: (tenantId: string) => `hookline.dispatch.due.${tenantId}`,
  failed: (tenantId: string) => `hookline.dispatch.failed.${tenantId}`,
  resendSucceeded: (tenantId: string) => `hookline.dispatch.resent.${tenantId}`,
  parked: (tenantId: string) => `hookline.dispatch.parked.${tenantId}`,
} as const;

/** Nats-Msg-Ids: each fact is published once however often its producer retries. */
export const deliveryMsgIds = {
  lifecycle: (e: DeliveryLifecycleEvent) =>
    `${e.deliveryId}:${e.type}${'attempt' in e ? `:${e.attempt}` : ''}`,
  due: (o: DispatchOrder) => `${o.deliveryId}:due:${o.attempt}${o.manual ? `:m:${o.createdAt}` : ''}${o.parked ? `:p${o.parked}` : ''}`,
  parked: (o: DispatchOrder) => `${o.deliveryId}:parked:${o.attempt}${o.manual ? `:m:${o.createdAt}` : ''}:p${o.parked ?? 0}`,
  failed: (o: DispatchOrder) => `${o.deliveryId}:failed:${o.attempt}`,
  resendSucceeded: (r: ResendSucceeded) => `${r.deliveryId}:resent:${r.attempt}`,
} as const;
