// Which receivers get a host event, and why the others that asked for its topic do not.
// Pure: the registry view is the input.
import { actionGranted, allows, topicMatches, topicsMatch, withinBound } from '@hookline/auth';
import { RECEIVER_CREATION_GRACE_MS, type HostEvent, type ReceiverView } from '@hookline/contracts';
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

function decide(view: RegistryView, event: HostEvent, receiver: ReceiverView): FanOutDecision {
  const account = view.account(event.tenantId, receiver.accountId);
  const who = account ? `account ${account.name} (${account.id})` : `account ${receiver.accountId}`;
  if (!account) return { receiver, send: false, reason: `the receiving ${who} does not exist` };
  if (!account.enabled) return { receiver, send: false, reason: `the receiving ${who} is disabled` };
  const topicGranted = account.grants.some((g) => actionGranted(g.actions, 'webhooks:receive') && topicsMatch(g.topics, event.topic));
  if (!topicGranted) return { receiver, send: false, reason: `${who} has no webhooks:receive grant for topic ${event.topic}` };
  const unitPath = event.object.unit ? view.unitPath(event.tenantId, event.object.unit) : undefined;
  if (!allows(account.grants, 'webhooks:receive', { topic: event.topic, unitPath })) {
    const where = event.object.unit ? `unit ${event.object.unit}` : 'an object outside any unit';
    return { receiver, send: false, reason: `${where} is outside the units ${who} may receive webhooks for` };
  }
  // The account's grants as they are now, and no further than whoever set the receiver up could receive then.
  if (!withinBound(receiver.receiveBound, { topic: event.topic, unitPath })) {
    const what = `topic ${event.topic} ${event.object.unit ? `in unit ${event.object.unit}` : 'outside any unit'}`;
    return { receiver, send: false, reason: `${what} is beyond the receiver's receiveBound: whoever registered it (or last changed its account, topics or URL) could not receive it then` };
  }
  return { receiver, send: true };
}

/** The JSON body every webhook carries (the same bytes on every attempt). */
export function webhookBody(event: HostEvent): string {
  return JSON.stringify({ id: event.id, topic: event.topic, tenant: event.tenantId, occurredAt: event.receivedAt, object: event.object, data: event.data });
}
