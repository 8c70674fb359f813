// One outbound delivery's life, as events on hookline.delivery.<tenant>.<type>, and the
// work orders that drive attempts on hookline.dispatch.{due,failed}.<tenant> (the first
// attempt's order is the "created" fact itself). Every kind
// of outbound traffic (webhooks, push notifications, integration requests, hookup
// notifications) shares these.
import { stableUuid, timeOrderedStableUuid, uuidv7Time } from './ids';

/**
 * A delivery kind names the profile that shapes, authenticates, judges and retries its
 * requests (the table in @hookline/delivery). The platform's own kinds are listed here;
 * a deployment may register more (HOOKLINE_DELIVERY_KIND_MODULES), so the type is open.
 */
export const PLATFORM_DELIVERY_KINDS = ['webhook', 'push', 'integration', 'hookup', 'hookup-email'] as const;
export type PlatformDeliveryKind = (typeof PLATFORM_DELIVERY_KINDS)[number];
export type DeliveryKind = PlatformDeliveryKind | (string & {});

/** Kind names: lower-case words joined by dashes, as in the log's kind filter. */
export const DELIVERY_KIND_RE = /^[a-z][a-z0-9-]{0,31}$/;

/** The host event a delivery came from, when it came from one (webhooks, push notifications). */
export interface DeliverySource {
  eventId: string;
  topic: string;
}

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

/** Who or what a delivery goes to, as the kind names it (a receiver id, a push type, an integration id). */
interface Targeted {
  /** The target's id within its kind; the kind's profile resolves it to a URL and credentials at attempt time. */
  target: string;
  /** The target's name when the delivery was made, for the log. */
  targetName: string;
  /** Absent when the delivery did not come from a host event (integration requests, hookup notifications). */
  source?: DeliverySource;
}

export interface DeliveryCreated extends Base, Targeted {
  type: 'created';
  /** The destination when the delivery was made (each attempt goes where the target points then). */
  url: string;
  /** The payload sent on every attempt: JSON text (the JSON body, or the fields of a form or query string). */
  body: string;
  /** The object unit, kept for filtering the log. */
  unit?: string;
  /** Non-secret facts the log shows and filters on (who triggered it, the page, the object ids). */
  context?: Record<string, unknown>;
}

export interface DeliveryFiltered extends Base, Targeted {
  type: 'filtered';
  reason: string;
  unit?: string;
}

export interface DeliveryAttempted extends Base {
  type: 'attempted';
  attempt: number;
  ok: boolean;
  durationMs: number;
  statusCode?: number;
  errorClass?: AttemptErrorClass;
  error?: string;
  /** The method and URL (with its query string) really used. */
  method?: string;
  url?: string;
  /** Request headers as sent, with secrets replaced by "[redacted]". */
  requestHeaders: Record<string, string>;
  /**
   * The body as sent (secret fields redacted), when it differs from the delivery's
   * payload text: form data, or a body with redacted fields. Absent for a JSON body sent
   * as it is stored, and for a request without a body.
   */
  requestBody?: string;
  /** Response headers (lower-case names), capped. */
  responseHeaders?: Record<string, string>;
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
  /** The target within its kind; see DeliveryCreated.target. */
  target: string;
  source?: DeliverySource;
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

/**
 * Several parked orders of one tenant in one message: what a dispatcher parked in one
 * linger (a receiver that hangs has its new deliveries parked by the hundred a second).
 * The same orders as on their own; batching saves the broker a message, a store and an
 * ack per order, and the retry-scheduler a message to take and settle.
 */
export interface ParkedBatch {
  parked: ParkedOrder[];
}

/** At most this many orders in one parked batch (the retry-scheduler writes a batch of messages in one statement). */
export const MAX_PARKED_PER_BATCH = 500;

/** Every parked order a message on hookline.dispatch.parked.> carries: a batch's, or the one order. */
export function parkedOf(payload: unknown): unknown[] {
  return batchOrOne(payload, 'parked');
}

/** The items of a batch message (an object whose `key` is an array), or the payload as the one item. */
function batchOrOne(payload: unknown, key: string): unknown[] {
  const items = payload !== null && typeof payload === 'object' ? (payload as Record<string, unknown>)[key] : undefined;
  return Array.isArray(items) ? items : [payload];
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
  return { deliveryId: c.deliveryId, tenantId: c.tenantId, kind: c.kind, target: c.target, ...(c.source ? { source: c.source } : {}), attempt: 1, body: c.body, createdAt: c.at };
}

/**
 * Events from this moment on get time-ordered delivery ids; earlier events keep the ids
 * versions before 6 December 2026 derived, so an event fanned out before an upgrade and
 * delivered again after it yields the same deliveries (and the same webhook-id) rather
 * than a second set.
 */
export const ORDERED_DELIVERY_IDS_SINCE = Date.UTC(2026, 11, 6);

/**
 * The id of the delivery of an event to one target: derived, so a redelivered event
 * yields the same delivery. `key` is the receiver id for webhooks; other kinds prefix
 * theirs (push: "push:<type>") so their ids never meet a webhook's.
 *
 * The id starts with the event's time (timeOrderedStableUuid), so the webhook log's
 * tables, keyed by it, grow at the right edge of their indexes: the time a UUIDv7 event
 * id carries (an event published without an idempotency key), else `eventAt`, the time
 * the platform stored the event (its `receivedAt`, the same on every redelivery). An
 * event from before ORDERED_DELIVERY_IDS_SINCE, or with neither, keeps the hashed id.
 */
export function deliveryIdFor(eventId: string, key: string, eventAt?: string): string {
  const ms = uuidv7Time(eventId) ?? (eventAt === undefined ? NaN : Date.parse(eventAt));
  if (!(ms >= ORDERED_DELIVERY_IDS_SINCE)) return stableUuid('delivery', eventId, key);
  return timeOrderedStableUuid(ms, 'delivery', eventId, key);
}

/**
 * Earlier versions named the target `receiverId` (push notifications as "push:<type>")
 * and carried `eventId` and `topic` on every order and fact. Messages of that shape may
 * still wait in the streams and the agenda of an upgraded installation: this reads them
 * in the current shape. Current messages pass through unchanged.
 */
export function upgradeDeliveryMessage<T extends object>(raw: T): T {
  const m = raw as Record<string, unknown>;
  if (typeof m.target === 'string' || typeof m.receiverId !== 'string') return raw;
  const { receiverId, receiverName, eventId, topic, ...rest } = m;
  const id = receiverId as string;
  const target = m.kind === 'push' && id.startsWith('push:') ? id.slice('push:'.length) : id;
  return {
    ...rest,
    target,
    ...(receiverName !== undefined ? { targetName: receiverName } : {}),
    ...(typeof eventId === 'string' && typeof topic === 'string' ? { source: { eventId, topic } } : {}),
  } as T;
}

/**
 * Several facts of one tenant in one message: what a producer recorded in one tick (a
 * delivery's "created" fact with the outcome of its first attempt, other deliveries'
 * outcomes). The facts are the same as on their own subjects, in the order they
 * happened; batching only saves the broker a message, a delivery and an ack per fact.
 * A "created" fact inside a batch is a record, not an order: its first attempt already
 * happened and its outcome follows it (only a "created" fact on its own subject is the
 * first attempt's order, see dispatcherFirstAttempts).
 */
export interface DeliveryFactBatch {
  facts: DeliveryLifecycleEvent[];
}

/** At most this many facts in one batch message (the log orders facts by stream sequence and position in the batch). */
export const MAX_FACTS_PER_BATCH = 1000;

/** Every fact a message on hookline.delivery.> carries: a batch's facts in order, or the one fact. */
export function factsOf(payload: unknown): unknown[] {
  return batchOrOne(payload, 'facts');
}

export const deliverySubjects = {
  lifecycle: (tenantId: string, type: DeliveryLifecycleEvent['type']) => `hookline.delivery.${tenantId}.${type}`,
  /** A DeliveryFactBatch of one tenant. */
  facts: (tenantId: string) => `hookline.delivery.${tenantId}.facts`,
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
  /** Derived from the facts' own ids, so republishing the same batch is recognised as a duplicate. */
  facts: (factIds: readonly string[]) => `facts:${stableUuid(...factIds)}`,
  /** Derived from the parks' own ids (`parked`), as for facts. */
  parkedBatch: (parkIds: readonly string[]) => `parked:${stableUuid(...parkIds)}`,
} as const;
