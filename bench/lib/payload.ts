// The ~1 KB JSON every scenario sends, so the baselines and the platform move the same bytes.

const PAD = 'x'.repeat(900);

/** Event data: a send timestamp (for latency) and padding to about 1 KB of webhook body. */
export function eventData(i: number, sentAt: number): Record<string, unknown> {
  return { sentAt, seq: i, pad: PAD };
}

/** A 1 KB JSON body for the raw client baselines, shaped like a webhook. */
export function rawBody(i: number, sentAt: number): string {
  return JSON.stringify({
    id: '00000000-0000-4000-8000-000000000000',
    topic: 'Bench.Event',
    tenant: 'bench',
    occurredAt: new Date().toISOString(),
    object: { type: 'order', id: String(i) },
    data: eventData(i, sentAt),
  });
}
