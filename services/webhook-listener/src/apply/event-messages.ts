// The host events of an apply batch as messages of the events stream: the events of one
// subject (tenant and topic) travel together, several to a message (HEADERS.eventCount,
// a JSON array; see MAX_EVENTS_PER_MESSAGE), in the order they were applied. Each
// message costs the broker a store, a delivery per consumer and an ack, and the
// dispatcher and the audit log a message each; one per record change was 38 % of the CPU
// of an accepted request in the listener bench. A lone event goes as a message of its
// own, as a host application's events do.
import { HEADERS, MAX_EVENTS_PER_MESSAGE, subjects, type HostEvent } from '@hookline/contracts';

export interface EventMessage {
  subject: string;
  body: string;
  /** Derived from the events it carries: the same events in the same message are stored once. */
  msgId: string;
  headers: Record<string, string>;
}

export interface EventMessageLimits {
  maxEvents: number;
  /** Most bytes of event JSON in one message (well under the server's max_payload, 1 MB). */
  maxBytes: number;
}

export const EVENT_MESSAGE_LIMITS: EventMessageLimits = { maxEvents: MAX_EVENTS_PER_MESSAGE, maxBytes: 64 * 1024 };

/**
 * Groups the events by subject (in order of first appearance, each group in the order
 * given) and cuts each group into messages within the limits; an event bigger than
 * maxBytes goes alone. A message carries a correlation id when all its events share one.
 */
export function eventMessages(events: readonly { event: HostEvent; correlationId?: string }[], limits: EventMessageLimits = EVENT_MESSAGE_LIMITS): EventMessage[] {
  const bySubject = new Map<string, { json: string; id: string; correlationId?: string }[]>();
  for (const { event, correlationId } of events) {
    const subject = subjects.event(event.tenantId, event.topic);
    let group = bySubject.get(subject);
    if (!group) bySubject.set(subject, (group = []));
    group.push({ json: JSON.stringify(event), id: event.id, ...(correlationId ? { correlationId } : {}) });
  }
  const out: EventMessage[] = [];
  for (const [subject, group] of bySubject) {
    let i = 0;
    while (i < group.length) {
      let bytes = group[i].json.length;
      let j = i + 1;
      while (j < group.length && j - i < limits.maxEvents && bytes + 1 + group[j].json.length <= limits.maxBytes) bytes += 1 + group[j++].json.length;
      out.push(message(subject, group.slice(i, j)));
      i = j;
    }
  }
  return out;
}

function message(subject: string, part: { json: string; id: string; correlationId?: string }[]): EventMessage {
  const corr = part[0].correlationId;
  const headers: Record<string, string> = corr !== undefined && part.every((p) => p.correlationId === corr) ? { [HEADERS.correlationId]: corr } : {};
  if (part.length === 1) return { subject, body: part[0].json, msgId: part[0].id, headers };
  // The first and last ids and the count name the message's events: a batch applied again
  // after a crash, cut the same way, is stored once; cut differently, its events come again
  // with their own ids (the audit log keeps each once; the dispatcher derives the same
  // delivery ids, as for any event delivered again).
  return {
    subject,
    body: `[${part.map((p) => p.json).join(',')}]`,
    msgId: `events:${part[0].id}:${part[part.length - 1].id}:${part.length}`,
    headers: { ...headers, [HEADERS.eventCount]: String(part.length) },
  };
}
