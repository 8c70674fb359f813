// Folds delivery lifecycle events into row patches for the webhook log. Pure, and
// independent of arrival order: each status-bearing fact carries its stream sequence,
// and the database keeps a fact only if it is newer than what it already has.
//
// Late facts never move a status backwards, however they arrive: "created" only fills
// an empty status (the first order may be attempted before its "created" fact is
// stored); "scheduled" for attempt N is stale once attempt N has been recorded (an
// at-least-once redelivery of a failure that has since been retried), or once attempt
// N-1 or later succeeded (a duplicate copy of an order failing after the first copy got
// through, as after a broker crash); "failed" after K attempts is stale once attempt K
// or later succeeded. A manual resend continues the count, so what it schedules or
// gives up on is newer than the success it follows and still applies.
import type { DeliveryAttemptRecord, DeliveryLifecycleEvent } from '@hookline/contracts';

export interface DeliveryRowPatch {
  id: string;
  tenant_id: string;
  kind: string;
  created_at: string;
  event_id: string | null;
  topic: string | null;
  target_id: string | null;
  target_name: string | null;
  url: string | null;
  unit: string | null;
  body: string | null;
  context: Record<string, unknown> | null;
  status: string | null;
  status_seq: number;
  /** The attempt a status is about: the one a "scheduled" waits for, the one that succeeded, the count a "failed" gave up after. */
  status_attempt: number | null;
  status_reason: string | null;
  next_attempt_at: string | null;
  attempts: number;
  last_status_code: number | null;
  last_error_class: string | null;
  last_attempt_at: string | null;
  last_attempt_seq: number;
}

export interface AttemptRow {
  delivery_id: string;
  tenant_id: string;
  attempt: number;
  at: string;
  ok: boolean;
  duration_ms: number;
  status_code: number | null;
  error_class: string | null;
  error: string | null;
  method: string | null;
  url: string | null;
  request_headers: Record<string, string>;
  request_body: string | null;
  response_headers: Record<string, string> | null;
  response_body: string | null;
  response_truncated: boolean;
  manual: boolean;
}

const STATUS_OF: Partial<Record<DeliveryLifecycleEvent['type'], string>> = {
  created: 'pending',
  filtered: 'filtered',
  scheduled: 'scheduled',
  succeeded: 'succeeded',
  failed: 'failed',
  cancelled: 'cancelled',
  purged: 'purged',
};

export function project(events: { event: DeliveryLifecycleEvent; seq: number }[]): { deliveries: DeliveryRowPatch[]; attempts: AttemptRow[] } {
  const rows = new Map<string, DeliveryRowPatch>();
  const attempts: AttemptRow[] = [];
  for (const { event: e, seq } of [...events].sort((a, b) => a.seq - b.seq)) {
    let row = rows.get(e.deliveryId);
    if (!row) {
      row = {
        id: e.deliveryId,
        tenant_id: e.tenantId,
        kind: e.kind,
        created_at: e.at,
        event_id: null,
        topic: null,
        target_id: null,
        target_name: null,
        url: null,
        unit: null,
        body: null,
        context: null,
        status: null,
        status_seq: 0,
        status_attempt: null,
        status_reason: null,
        next_attempt_at: null,
        attempts: 0,
        last_status_code: null,
        last_error_class: null,
        last_attempt_at: null,
        last_attempt_seq: 0,
      };
      rows.set(e.deliveryId, row);
    }
    if (e.at < row.created_at) row.created_at = e.at;
    if (e.type === 'created' || e.type === 'filtered') {
      row.event_id = e.source?.eventId ?? null;
      row.topic = e.source?.topic ?? null;
      row.target_id = e.target;
      row.target_name = e.targetName;
      row.unit = e.unit ?? null;
      row.created_at = e.at;
    }
    if (e.type === 'created') {
      row.url = e.url;
      row.body = e.body;
      row.context = e.context ?? null;
    }
    // The attempt first: a succeeded fact that carries it counts it before its status is judged.
    if (e.type === 'attempted') recordAttempt(row, attempts, e, e, seq);
    if (e.type === 'succeeded' && e.record) recordAttempt(row, attempts, e, { ...e.record, attempt: e.attempt }, seq);
    const status = STATUS_OF[e.type];
    if (status && !isStale(row, e)) {
      row.status = status;
      row.status_seq = seq;
      row.status_attempt = e.type === 'scheduled' || e.type === 'succeeded' ? e.attempt : e.type === 'failed' ? e.attempts : null;
      row.next_attempt_at = e.type === 'scheduled' ? e.dueAt : null;
      row.status_reason = e.type === 'filtered' || e.type === 'failed' || e.type === 'cancelled' || e.type === 'purged' ? e.reason : null;
    }
  }
  return { deliveries: [...rows.values()], attempts };
}

/** The rules above; repeated in SQL in deliveries.repository.ts for facts in different batches. */
function isStale(row: DeliveryRowPatch, e: DeliveryLifecycleEvent): boolean {
  const succeededAt = row.status === 'succeeded' ? (row.status_attempt ?? 0) : -1;
  if (e.type === 'created') return row.status !== null;
  if (e.type === 'scheduled') return row.attempts >= e.attempt || succeededAt >= e.attempt - 1;
  if (e.type === 'failed') return succeededAt >= e.attempts;
  return false;
}

function recordAttempt(row: DeliveryRowPatch, attempts: AttemptRow[], of: { deliveryId: string; tenantId: string }, r: DeliveryAttemptRecord & { attempt: number }, seq: number): void {
  row.attempts = Math.max(row.attempts, r.attempt);
  row.last_status_code = r.statusCode ?? null;
  row.last_error_class = r.errorClass ?? null;
  row.last_attempt_at = r.at;
  row.last_attempt_seq = seq;
  attempts.push({
    delivery_id: of.deliveryId,
    tenant_id: of.tenantId,
    attempt: r.attempt,
    at: r.at,
    ok: r.ok,
    duration_ms: r.durationMs,
    status_code: r.statusCode ?? null,
    error_class: r.errorClass ?? null,
    error: r.error ?? null,
    method: r.method ?? null,
    url: r.url ?? null,
    request_headers: r.requestHeaders,
    request_body: r.requestBody ?? null,
    response_headers: r.responseHeaders ?? null,
    response_body: r.responseBody ?? null,
    response_truncated: r.responseTruncated ?? false,
    manual: r.manual ?? false,
  });
}
