// Every Prometheus metric a Hookline service exposes, in one table: its name (after the
// hookline_ prefix), type, help, labels and buckets. Code looks a metric up here by key;
// the README's "Metrics" section documents the same table. No label is ever a tenant,
// receiver, delivery or event id (see metrics-labels.ts for the guard).

export type MetricType = 'counter' | 'gauge' | 'histogram';

export interface MetricDef {
  type: MetricType;
  /** Without the prefix. */
  name: string;
  help: string;
  labels: readonly string[];
  /** Histograms only, in seconds. */
  buckets?: readonly number[];
}

export const METRICS_PREFIX = 'hookline_';

/** Request-scale latencies: 5 ms to 10 s. */
const HTTP_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
/** An outbound attempt, up to the egress deadline (15 s by default) and beyond. */
const ATTEMPT_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15, 30];
/** A signature over NATS: usually a millisecond or two, up to the signer timeout (5 s). */
const SIGNER_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

export const METRICS = {
  // ---- every service ----------------------------------------------------------------
  httpDuration: {
    type: 'histogram',
    name: 'http_request_duration_seconds',
    help: 'HTTP requests answered by this service, by method, route template (never the raw path) and status class; _count is the request count',
    labels: ['method', 'route', 'status_class'],
    buckets: HTTP_BUCKETS,
  },
  consumerMessages: {
    type: 'counter',
    name: 'consumer_messages_total',
    help: 'JetStream messages this instance settled per durable consumer: acked, retried (nak with delay), deferred (nak, not an error) or dead-lettered',
    labels: ['consumer', 'result'],
  },
  consumerRedeliveries: {
    type: 'counter',
    name: 'consumer_redeliveries_total',
    help: 'Acked JetStream messages this instance had been handed more than once (delivery count > 1), per durable consumer',
    labels: ['consumer'],
  },
  consumerPending: {
    type: 'gauge',
    name: 'consumer_pending_messages',
    help: 'Messages in the stream not yet delivered to the durable consumer (JetStream consumer info num_pending; read on scrape, cached 5 s)',
    labels: ['stream', 'consumer'],
  },
  consumerAckPending: {
    type: 'gauge',
    name: 'consumer_ack_pending_messages',
    help: 'Messages delivered to the durable consumer and not yet acknowledged (num_ack_pending; read on scrape, cached 5 s)',
    labels: ['stream', 'consumer'],
  },
  consumerRedelivered: {
    type: 'gauge',
    name: 'consumer_redelivered_messages',
    help: 'Unacknowledged messages the broker has delivered more than once (num_redelivered; read on scrape, cached 5 s)',
    labels: ['stream', 'consumer'],
  },
  work: {
    type: 'counter',
    name: 'instance_work_total',
    help: "This instance's work counters, as GET /health lists them (instance.work), by counter name",
    labels: ['counter'],
  },
  instanceState: {
    type: 'gauge',
    name: 'instance_state',
    help: 'What this instance is now (e.g. name="role", value="leader"), as GET /health lists it (instance.state): 1 for the current value',
    labels: ['name', 'value'],
  },
  scrapeErrors: {
    type: 'counter',
    name: 'metrics_source_errors_total',
    help: 'Scrape-time readings (consumer info, agenda and outbox counts) that failed or took too long; their gauges are left out of that scrape',
    labels: ['source'],
  },

  // ---- deliveries (dispatcher, retry-scheduler) ---------------------------------------
  deliveries: {
    type: 'counter',
    name: 'deliveries_total',
    help: 'Deliveries that reached a final state, by kind and state (succeeded, filtered and cancelled-before-an-attempt in the dispatcher; failed, purged and cancelled-while-waiting in the retry-scheduler); sum over both services',
    labels: ['kind', 'state'],
  },
  attemptDuration: {
    type: 'histogram',
    name: 'delivery_attempt_duration_seconds',
    help: 'Delivery attempts (signing and the outbound request), by kind and outcome (success, or the error class: http-status, timeout, connect-refused, ...)',
    labels: ['kind', 'outcome'],
    buckets: ATTEMPT_BUCKETS,
  },
  signerClientDuration: {
    type: 'histogram',
    name: 'signer_client_request_duration_seconds',
    help: "The dispatcher's requests to the signer over NATS (one request, or a batch of a tick's requests), by subject and outcome (ok, or the RPC error code)",
    labels: ['subject', 'outcome'],
    buckets: SIGNER_BUCKETS,
  },
  retriesScheduled: {
    type: 'counter',
    name: 'retries_scheduled_total',
    help: 'Failed attempts given a retry in the agenda (retry-scheduler), by kind',
    labels: ['kind'],
  },
  agendaSize: {
    type: 'gauge',
    name: 'retry_agenda_size',
    help: "Deliveries waiting in the retry-scheduler's agenda (PostgreSQL delivery_schedule: retries and parked orders), by kind (counted on scrape, cached 15 s)",
    labels: ['kind'],
  },
  agendaDue: {
    type: 'gauge',
    name: 'retry_agenda_due',
    help: 'Of those, how many are due now and not yet released (should stay near 0; grows when the active instance is missing or behind)',
    labels: ['kind'],
  },

  // ---- signer -------------------------------------------------------------------------
  signerDuration: {
    type: 'histogram',
    name: 'signer_request_duration_seconds',
    help: 'Requests the signer answered, by NATS subject and outcome (ok, or the RPC error code); a batch counts once',
    labels: ['subject', 'outcome'],
    buckets: SIGNER_BUCKETS,
  },

  // ---- registry -----------------------------------------------------------------------
  eventsIngested: {
    type: 'counter',
    name: 'events_ingested_total',
    help: 'POST /v1/events requests, by outcome: accepted (stored), duplicate (same Idempotency-Key), refused (4xx) or failed (5xx)',
    labels: ['outcome'],
  },
  outboxPending: {
    type: 'gauge',
    name: 'outbox_pending_rows',
    help: "Rows of the registry's transactional outbox not yet published to JetStream (counted on scrape, cached 5 s)",
    labels: [],
  },
  outboxLag: {
    type: 'gauge',
    name: 'outbox_oldest_pending_age_seconds',
    help: 'Age of the oldest unpublished outbox row (0 when none waits)',
    labels: [],
  },

  // ---- webhook-listener ---------------------------------------------------------------
  listenerRequests: {
    type: 'counter',
    name: 'listener_ingest_requests_total',
    help: 'Requests to /hooks/* (inbound webhook listeners), by method, status code and outcome: accepted, duplicate, refused (4xx) or failed (5xx)',
    labels: ['method', 'status', 'outcome'],
  },
  listenerRecords: {
    type: 'counter',
    name: 'listener_ingest_records_total',
    help: 'Records accepted by /hooks/* requests (one request may carry several)',
    labels: [],
  },
} as const satisfies Record<string, MetricDef>;

export type MetricKey = keyof typeof METRICS;
export type KeyOfType<T extends MetricType> = { [K in MetricKey]: (typeof METRICS)[K]['type'] extends T ? K : never }[MetricKey];
export type LabelsOf<K extends MetricKey> = Record<(typeof METRICS)[K]['labels'][number], string>;

/** The final states of a delivery, as the deliveries_total counter labels them. */
export const FINAL_DELIVERY_STATES = ['succeeded', 'failed', 'cancelled', 'filtered', 'purged'] as const;
export type FinalDeliveryState = (typeof FINAL_DELIVERY_STATES)[number];

export function isFinalDeliveryState(type: string): type is FinalDeliveryState {
  return (FINAL_DELIVERY_STATES as readonly string[]).includes(type);
}
