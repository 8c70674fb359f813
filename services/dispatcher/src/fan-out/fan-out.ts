// Which receivers get a host event, and why the others that asked for its topic do not.
// Pure: the registry view is the input.
import { topicMatches } from '@hookline/auth';
import { RECEIVER_CREATION_GRACE_MS, type HostEvent, type ReceiverView } from '@hookline/contracts';
import { receiveRefusal } from '@hookline/delivery';
import type { RegistryView } from '@hookline/registry-view';

export type FanOutDecision = { receiver: ReceiverView; send: true } | { receiver: ReceiverView; send: false; reason: string };

/** The tenant's active receivers that asked for this topic: the ones fanOut decides about (by subject alone, no body needed). */
export function receiversFor(view: RegistryView, tenantId: string, topic: string): ReceiverView[] {
  return view.receivers(tenantId).filter((r) => r.topics.some((p) => topicMatches(p, topic)));
}

/**
 * Whether the receiver existed when the event was stored (`storedAtMs`: when JetStream
 * stored it, not the body's receivedAt, which a host publishing on NATS may set itself): a
 * receiver gets the events published from its creation on, however late they are fanned
 * out. Without this, what an event reaches would depend on when the dispatcher reads it:
 * a backlog, or a redelivery (a durable consumer whose state nats-server lost in a crash
 * starts again from the stream's first event), would hand a new receiver events from
 * before it existed, each under a delivery id of its own.
 */
export function existedWhenStored(receiver: ReceiverView, storedAtMs: number): boolean {
  const created = Date.parse(receiver.createdAt);
  if (Number.isNaN(created)) return true;
  return storedAtMs >= created - RECEIVER_CREATION_GRACE_MS;
}

/**
 * A decision for each receiver of the event's topic (`receivers`, when the caller has them
 * already) that existed when the event was stored, if `storedAtMs` says when.
 */
export function fanOut(view: RegistryView, event: HostEvent, receivers = receiversFor(view, event.tenantId, event.topic), storedAtMs?: number): FanOutDecision[] {
  const existing = storedAtMs === undefined ? receivers : receivers.filter((receiver) => existedWhenStored(receiver, storedAtMs));
  return existing.map((receiver) => decide(view, event, receiver));
}

/** The receiving account's rule (shared with the webhook kind's retries and resends, so the two cannot drift). */
function decide(view: RegistryView, event: HostEvent, receiver: ReceiverView): FanOutDecision {
  const reason = receiveRefusal(view, event.tenantId, receiver, event.topic, event.object.unit);
  return reason === undefined ? { receiver, send: true } : { receiver, send: false, reason };
}

/** The JSON body every webhook carries (the same bytes on every attempt). */
export function webhookBody(event: HostEvent): string {
  return JSON.stringify({ id: event.id, topic: event.topic, tenant: event.tenantId, occurredAt: event.receivedAt, object: event.object, data: event.data });
}
