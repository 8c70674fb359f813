// Every JetStream stream and durable consumer the platform uses, declared in one place.
// Services create or update them idempotently at start (see @hookline/messaging).

export interface StreamSpec {
  name: string;
  subjects: string[];
  /** How long messages are kept; 0 keeps them forever. */
  maxAgeMs: number;
  /** Window in which a repeated Nats-Msg-Id is recognised as a duplicate. */
  duplicateWindowMs: number;
  /** limits: kept until max age; workqueue: removed once acknowledged. */
  retention: 'limits' | 'workqueue';
}

export interface ConsumerSpec {
  stream: string;
  durable: string;
  filterSubject: string;
  /** How long the server waits for an ack before redelivering. */
  ackWaitMs: number;
  /** After this many deliveries a message that keeps failing goes to the dead-letter stream. */
  maxDeliver: number;
  /** Messages outstanding without ack, across all instances. */
  maxAckPending: number;
  /**
   * Where a newly created consumer starts: every message in the stream (the default), or
   * only those published after it exists (for a consumer added to a stream that already
   * holds messages it must not act on, as on an upgraded installation).
   */
  startAt?: 'all' | 'new';
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

export const STREAMS = {
  events: {
    name: 'HOOKLINE_EVENTS',
    subjects: ['hookline.events.>'],
    maxAgeMs: 7 * DAY,
    duplicateWindowMs: DAY,
    retention: 'limits',
  },
  registry: {
    name: 'HOOKLINE_REGISTRY',
    subjects: ['hookline.registry.>'],
    // Kept forever: the read views (the dispatcher's, the listener's) are rebuilt by replaying it.
    maxAgeMs: 0,
    duplicateWindowMs: HOUR,
    retention: 'limits',
  },
  deliveries: {
    name: 'HOOKLINE_DELIVERIES',
    subjects: ['hookline.delivery.>'],
    maxAgeMs: 30 * DAY,
    duplicateWindowMs: HOUR,
    retention: 'limits',
  },
  /** Work: orders to attempt now (due) and attempts that failed (failed). Removed once acked. */
  dispatch: {
    name: 'HOOKLINE_DISPATCH',
    subjects: ['hookline.dispatch.>'],
    maxAgeMs: 30 * DAY,
    duplicateWindowMs: HOUR,
    retention: 'workqueue',
  },
  /**
   * Inbound webhook requests, one message per record, stored before the sender gets its
   * 2xx and removed once applied to the listener's tables. A work queue: what stays in it
   * is exactly what is accepted and not yet applied (the ingest path asks it whether a
   * record has a change in flight). The duplicate window is how long an Idempotency-Key
   * or a listener's dedup value (e.g. X-GitHub-Delivery) is recognised; a restarted
   * nats-server forgets the applied ones, which the apply then recognises by the ids kept
   * with each record's version.
   */
  ingest: {
    name: 'HOOKLINE_INGEST',
    subjects: ['hookline.ingest.>'],
    maxAgeMs: 7 * DAY,
    duplicateWindowMs: DAY,
    retention: 'workqueue',
  },
  deadLetter: {
    name: 'HOOKLINE_DEADLETTER',
    subjects: ['hookline.dlq.>'],
    maxAgeMs: 30 * DAY,
    duplicateWindowMs: 2 * 60_000,
    retention: 'limits',
  },
} as const satisfies Record<string, StreamSpec>;

export const CONSUMERS = {
  auditEvents: {
    stream: STREAMS.events.name,
    durable: 'audit-log-events',
    filterSubject: 'hookline.events.>',
    ackWaitMs: 30_000,
    maxDeliver: 20,
    maxAckPending: 1000,
  },
  dispatcherEvents: {
    stream: STREAMS.events.name,
    durable: 'dispatcher-events',
    filterSubject: 'hookline.events.>',
    ackWaitMs: 30_000,
    maxDeliver: 20,
    maxAckPending: 2000,
  },
  /**
   * First attempts: a delivery's "created" fact is its first order (it carries everything
   * the attempt needs), so a delivery crosses JetStream once less than with an order of
   * its own. Retries and resends come as orders on HOOKLINE_DISPATCH (dispatcherOrders).
   */
  dispatcherFirstAttempts: {
    stream: 'HOOKLINE_DELIVERIES',
    durable: 'dispatcher-first-attempts',
    filterSubject: 'hookline.delivery.*.created',
    ackWaitMs: 60_000,
    maxDeliver: 50,
    maxAckPending: 10_000,
    // Added in a later version: on an upgraded installation the stream already holds every
    // earlier delivery's "created" fact, whose first attempts went out as orders.
    startAt: 'new',
  },
  dispatcherOrders: {
    stream: 'HOOKLINE_DISPATCH',
    durable: 'dispatcher-orders',
    filterSubject: 'hookline.dispatch.due.>',
    // An attempt may take up to the total HTTP deadline plus signing; the handler also heartbeats.
    ackWaitMs: 60_000,
    maxDeliver: 50,
    maxAckPending: 10_000,
  },
  retrySchedulerFailed: {
    stream: 'HOOKLINE_DISPATCH',
    durable: 'retry-scheduler-failed',
    filterSubject: 'hookline.dispatch.failed.>',
    ackWaitMs: 30_000,
    maxDeliver: 50,
    maxAckPending: 5000,
  },
  auditRegistry: {
    stream: STREAMS.registry.name,
    durable: 'audit-log-registry',
    filterSubject: 'hookline.registry.>',
    ackWaitMs: 30_000,
    maxDeliver: 20,
    maxAckPending: 1000,
  },
  /**
   * Registry changes that end a delivery target (a receiver deleted, a push type removed)
   * or move a kind's expiry: each kind's profile says which (@hookline/delivery).
   */
  retrySchedulerRegistry: {
    stream: 'HOOKLINE_REGISTRY',
    durable: 'retry-scheduler-registry',
    filterSubject: 'hookline.registry.>',
    ackWaitMs: 30_000,
    maxDeliver: 50,
    maxAckPending: 100,
  },
  retrySchedulerParked: {
    stream: 'HOOKLINE_DISPATCH',
    durable: 'retry-scheduler-parked',
    filterSubject: 'hookline.dispatch.parked.>',
    ackWaitMs: 30_000,
    maxDeliver: 50,
    maxAckPending: 5000,
  },
  retrySchedulerResent: {
    stream: 'HOOKLINE_DISPATCH',
    durable: 'retry-scheduler-resent',
    filterSubject: 'hookline.dispatch.resent.>',
    ackWaitMs: 30_000,
    maxDeliver: 50,
    maxAckPending: 1000,
  },
  /** Applies accepted listener changes to the tenant's tables, in stream order, in batches. */
  listenerApply: {
    stream: STREAMS.ingest.name,
    durable: 'webhook-listener-apply',
    filterSubject: 'hookline.ingest.>',
    ackWaitMs: 30_000,
    maxDeliver: 50,
    maxAckPending: 5000,
  },
  auditDeliveries: {
    stream: STREAMS.deliveries.name,
    durable: 'audit-log-deliveries',
    filterSubject: 'hookline.delivery.>',
    ackWaitMs: 30_000,
    maxDeliver: 20,
    maxAckPending: 10_000,
  },
} as const satisfies Record<string, ConsumerSpec>;

export const subjects = {
  event: (tenantId: string, topic: string) => `hookline.events.${tenantId}.${topic}`,
  deadLetter: (durable: string) => `hookline.dlq.${durable}`,
} as const;

/** NATS headers the platform sets and reads. */
export const HEADERS = {
  correlationId: 'Hookline-Correlation-Id',
  msgId: 'Nats-Msg-Id',
  dlqSubject: 'Hookline-Dlq-Subject',
  dlqStream: 'Hookline-Dlq-Stream',
  dlqSeq: 'Hookline-Dlq-Seq',
  dlqReason: 'Hookline-Dlq-Reason',
  /** On a message of the events stream that carries several events (a JSON array): how many. */
  eventCount: 'Hookline-Events',
} as const;

/**
 * Durable consumers that earlier versions declared and this one no longer reads; the
 * service that owned each deletes it at start, so an upgraded installation does not keep
 * a consumer whose pending count only grows.
 */
export const RETIRED_CONSUMERS = {
  /** Replaced by retrySchedulerResent: only a manual resend's success can end a waiting retry. */
  retrySchedulerSucceeded: { stream: 'HOOKLINE_DELIVERIES', durable: 'retry-scheduler-succeeded' },
  /** Replaced by retrySchedulerRegistry: every kind's profile says which changes end its targets. */
  retrySchedulerReceivers: { stream: 'HOOKLINE_REGISTRY', durable: 'retry-scheduler-receiver-deletions' },
} as const;
