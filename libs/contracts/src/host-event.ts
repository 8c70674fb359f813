// The host application's event: what POST /v1/events accepts and what travels on
// hookline.events.<tenant>.<topic>.
import { stableUuid, uuidv7 } from './ids';
import { jsonLimitProblem } from './json-limits';

/** Topic names are dot-separated words; each word is a NATS subject token. */
export const TOPIC_RE = /^[A-Za-z0-9_-]{1,64}(\.[A-Za-z0-9_-]{1,64}){0,7}$/;
/** Tenant ids are used as a subject token and in URLs. */
export const TENANT_ID_RE = /^[a-z0-9][a-z0-9-]{0,62}$/;

export interface HostEventObject {
  type: string;
  id: string;
  /** The unit (department, region, ...) the object belongs to, if any. */
  unit?: string;
}

export interface HostEvent {
  id: string;
  tenantId: string;
  topic: string;
  object: HostEventObject;
  data: Record<string, unknown>;
  /** ISO timestamp at which the platform accepted the event. */
  receivedAt: string;
  idempotencyKey?: string;
  /** Who published it: "operator", "account:<id>", or "nats" for direct publishes. */
  publishedBy: string;
}

/** The id an event gets; the same idempotency key always yields the same id. */
export function eventIdFor(tenantId: string, idempotencyKey: string | undefined, now = Date.now()): string {
  return idempotencyKey ? stableUuid('event', tenantId, idempotencyKey) : uuidv7(now);
}

export class InvalidEventError extends Error {
  constructor(readonly field: string, message: string) {
    super(`${field}: ${message}`);
    this.name = 'InvalidEventError';
  }
}

/** The tenant and topic a subject of the events stream names (hookline.events.<tenant>.<topic>), read without the body. */
export function hostEventRoute(subject: string): { tenantId: string; topic: string } | undefined {
  const parts = subject.split('.');
  if (parts.length < 4 || parts[0] !== 'hookline' || parts[1] !== 'events') return undefined;
  return { tenantId: parts[2], topic: parts.slice(3).join('.') };
}

/**
 * Turns a message from the events stream into a HostEvent. Messages published by the
 * API are complete; a host application publishing directly on NATS may send only
 * { topic?, object, data } and relies on Nats-Msg-Id (or the stream sequence) for the id.
 */
export function normalizeHostEvent(
  subject: string,
  raw: unknown,
  meta: { msgId?: string; streamSeq: number; timestampMs: number; index?: number },
): HostEvent {
  const route = hostEventRoute(subject);
  if (!route) throw new InvalidEventError('subject', `"${subject}" is not hookline.events.<tenant>.<topic>`);
  const { tenantId, topic } = route;
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new InvalidEventError('body', 'must be a JSON object');
  // The limits POST /v1/events applies when it parses the body, for events published straight on NATS.
  const tooBig = jsonLimitProblem(raw);
  if (tooBig) throw new InvalidEventError(tooBig.field, tooBig.message);
  const r = raw as Record<string, unknown>;
  if (r.topic !== undefined && r.topic !== topic) throw new InvalidEventError('topic', `does not match the subject's topic "${topic}"`);
  const obj = r.object as Record<string, unknown> | undefined;
  if (typeof obj !== 'object' || obj === null) throw new InvalidEventError('object', 'must be an object');
  if (typeof obj.type !== 'string' || obj.type === '') throw new InvalidEventError('object.type', 'must be a non-empty string');
  if (typeof obj.id !== 'string' || obj.id === '') throw new InvalidEventError('object.id', 'must be a non-empty string');
  if (obj.unit !== undefined && typeof obj.unit !== 'string') throw new InvalidEventError('object.unit', 'must be a string');
  const data = r.data ?? {};
  if (typeof data !== 'object' || data === null || Array.isArray(data)) throw new InvalidEventError('data', 'must be an object');
  // The n-th event of a message that carries several is told apart by its place in it.
  const msgKey = meta.msgId === undefined ? undefined : meta.index === undefined ? meta.msgId : `${meta.msgId}#${meta.index}`;
  const id =
    typeof r.id === 'string' && r.id !== ''
      ? r.id
      : msgKey
        ? stableUuid('event', tenantId, msgKey)
        : stableUuid('event-seq', tenantId, meta.index === undefined ? String(meta.streamSeq) : `${meta.streamSeq}#${meta.index}`);
  return {
    id,
    tenantId,
    topic,
    object: { type: obj.type, id: obj.id, ...(obj.unit !== undefined ? { unit: obj.unit as string } : {}) },
    data: data as Record<string, unknown>,
    receivedAt: typeof r.receivedAt === 'string' ? r.receivedAt : new Date(meta.timestampMs).toISOString(),
    ...(typeof r.idempotencyKey === 'string' ? { idempotencyKey: r.idempotencyKey } : msgKey ? { idempotencyKey: msgKey } : {}),
    publishedBy: typeof r.publishedBy === 'string' ? r.publishedBy : 'nats',
  };
}

/**
 * Most events one message of the events stream may carry. A message with the
 * Hookline-Events header holds a JSON array of that many events, all of its subject's
 * tenant and topic: the webhook-listener publishes the record changes of one apply batch
 * that way, so a thousand changes cost the broker, the dispatcher and the audit log a few
 * messages instead of a thousand. Each event in it is an event of its own everywhere else
 * (its own id, its own row in the audit log, its own deliveries).
 */
export const MAX_EVENTS_PER_MESSAGE = 1000;

/**
 * The events one message of the events stream carries: one, or, with the
 * Hookline-Events header (`count`), each element of its JSON array in order. Any
 * element that is not a valid event makes the whole message invalid.
 */
export function normalizeHostEvents(
  subject: string,
  raw: unknown,
  meta: { msgId?: string; streamSeq: number; timestampMs: number; count?: string },
): HostEvent[] {
  if (meta.count === undefined) return [normalizeHostEvent(subject, raw, meta)];
  const count = /^[1-9][0-9]{0,5}$/.test(meta.count) ? Number(meta.count) : NaN;
  if (!(count <= MAX_EVENTS_PER_MESSAGE)) throw new InvalidEventError('Hookline-Events', `must be a count of events from 1 to ${MAX_EVENTS_PER_MESSAGE}, got "${meta.count.slice(0, 40)}"`);
  if (!Array.isArray(raw)) throw new InvalidEventError('body', 'must be a JSON array of events (the Hookline-Events header says it carries several)');
  if (raw.length !== count) throw new InvalidEventError('body', `holds ${raw.length} events where the Hookline-Events header says ${count}`);
  return raw.map((item, index) => {
    try {
      return normalizeHostEvent(subject, item, { ...meta, index });
    } catch (err) {
      if (err instanceof InvalidEventError) throw new InvalidEventError(`[${index}].${err.field}`, err.message.slice(err.field.length + 2));
      throw err;
    }
  });
}
