// Creates or updates the declared streams and durable consumers, idempotently, at
// start. Several instances starting together may race; "already exists" is fine.
import { AckPolicy, DeliverPolicy, JetStreamManager, RetentionPolicy, StorageType } from '@nats-io/jetstream';
import { nanos } from '@nats-io/transport-node';
import type { ConsumerSpec, StreamSpec } from '@hookline/contracts';

function isNotFound(err: unknown): boolean {
  const code = (err as { code?: number }).code;
  return code === 10059 || code === 10014 || /not found/i.test(String((err as Error).message));
}

/** A stream or consumer someone else created first (another instance starting, or repairing, at the same time). */
export function isAlreadyThere(err: unknown): boolean {
  return /already in use|already exists/i.test(String((err as Error).message));
}

/**
 * The JetStream configuration of a declared stream: its settings from @hookline/contracts,
 * file storage, and as many replicas as the deployment asks for (HOOKLINE_STREAM_REPLICAS:
 * 1 on one nats-server, 3 on a 3-node cluster).
 */
export function streamConfig(spec: StreamSpec, replicas = 1) {
  return {
    name: spec.name,
    subjects: spec.subjects,
    storage: StorageType.File,
    retention: spec.retention === 'workqueue' ? RetentionPolicy.Workqueue : RetentionPolicy.Limits,
    max_age: nanos(spec.maxAgeMs),
    duplicate_window: nanos(spec.maxAgeMs > 0 ? Math.min(spec.duplicateWindowMs, spec.maxAgeMs) : spec.duplicateWindowMs),
    num_replicas: replicas,
  };
}

/** Creates the stream, or brings an existing one to the declared subjects, ages and replicas (a replica count can change in place on a cluster). */
export async function ensureStream(jsm: JetStreamManager, spec: StreamSpec, replicas = 1): Promise<void> {
  const config = streamConfig(spec, replicas);
  try {
    const info = await jsm.streams.info(spec.name);
    const c = info.config;
    const same =
      JSON.stringify([...c.subjects].sort()) === JSON.stringify([...spec.subjects].sort()) &&
      c.max_age === config.max_age &&
      c.duplicate_window === config.duplicate_window &&
      c.num_replicas === config.num_replicas;
    if (!same) {
      await jsm.streams.update(spec.name, { ...c, subjects: config.subjects, max_age: config.max_age, duplicate_window: config.duplicate_window, num_replicas: config.num_replicas });
    }
  } catch (err) {
    if (!isNotFound(err)) throw err;
    try {
      await jsm.streams.add(config);
    } catch (addErr) {
      if (!isAlreadyThere(addErr)) throw addErr;
    }
  }
}

/** The configuration a declared consumer is created with. */
export function consumerConfig(spec: ConsumerSpec) {
  return {
    durable_name: spec.durable,
    ack_policy: AckPolicy.Explicit,
    deliver_policy: spec.startAt === 'new' ? DeliverPolicy.New : DeliverPolicy.All,
    filter_subject: spec.filterSubject,
    ack_wait: nanos(spec.ackWaitMs),
    max_deliver: -1, // the platform dead-letters itself (see settlement.ts), so the server never silently drops
    max_ack_pending: spec.maxAckPending,
  };
}

export async function ensureConsumer(jsm: JetStreamManager, spec: ConsumerSpec): Promise<void> {
  const config = consumerConfig(spec);
  try {
    const info = await jsm.consumers.info(spec.stream, spec.durable);
    const c = info.config;
    if (c.ack_wait !== config.ack_wait || c.max_ack_pending !== config.max_ack_pending || c.filter_subject !== config.filter_subject) {
      await jsm.consumers.update(spec.stream, spec.durable, {
        ack_wait: config.ack_wait,
        max_ack_pending: config.max_ack_pending,
        filter_subject: config.filter_subject,
      });
    }
  } catch (err) {
    if (!isNotFound(err)) throw err;
    await jsm.consumers.add(spec.stream, config);
  }
}

/** Deletes a durable consumer that is no longer declared; one that is already gone is fine. */
export async function retireConsumer(jsm: JetStreamManager, stream: string, durable: string): Promise<boolean> {
  try {
    await jsm.consumers.delete(stream, durable);
    return true;
  } catch (err) {
    if (isNotFound(err)) return false;
    throw err;
  }
}
