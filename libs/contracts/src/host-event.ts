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
  meta: { msgId?: string; streamSeq: number; timestampMs: number },
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
  const id =
    typeof r.id === 'string' && r.id !== ''
      ? r.id
      : meta.msgId
        ? stableUuid('event', tenantId, meta.msgId)
        : stableUuid('event-seq', tenantId, String(meta.streamSeq));
  return {
    id,
    tenantId,
    topic,
    object: { type: obj.type, id: obj.id, ...(obj.unit !== undefined ? { unit: obj.unit as string } : {}) },
    data: data as Record<string, unknown>,
    receivedAt: typeof r.receivedAt === 'string' ? r.receivedAt : new Date(meta.timestampMs).toISOString(),
    ...(typeof r.idempotencyKey === 'string' ? { idempotencyKey: r.idempotencyKey } : meta.msgId ? { idempotencyKey: meta.msgId } : {}),
    publishedBy: typeof r.publishedBy === 'string' ? r.publishedBy : 'nats',
  };
}
