import {
  databaseConfig,
  field,
  httpConfig,
  natsConfig,
  operatorConfig,
  type DatabaseConfig,
  type HttpConfig,
  type NatsConfig,
  type OperatorConfig,
} from '@hookline/config';
import { deliveryConfig, type DeliveryConfig } from '@hookline/delivery';
import { egressConfig, type EgressConfig } from '@hookline/egress';
import { registryViewConfig, type RegistryViewConfig } from '@hookline/registry-view';

export const dispatcherConfigSpec = {
  ...natsConfig,
  ...databaseConfig,
  ...httpConfig,
  ...operatorConfig,
  ...egressConfig,
  ...deliveryConfig,
  ...registryViewConfig,
  attemptConcurrency: field.int('HOOKLINE_DISPATCH_CONCURRENCY', { default: 512, min: 1, max: 10_000, doc: 'attempts in flight at once per dispatcher' }),
  perReceiverConcurrency: field.int('HOOKLINE_DISPATCH_PER_RECEIVER_CONCURRENCY', {
    default: 32,
    min: 1,
    max: 10_000,
    doc: 'attempts in flight at once to one receiver; beyond it the receiver waits its turn, so a slow receiver cannot take every slot',
  }),
  parkAfterMs: field.duration('HOOKLINE_DISPATCH_PARK_AFTER', {
    default: 30_000,
    doc: 'an order whose receiver will not have room for longer than this is parked in the retry-scheduler\'s agenda instead of handed back to JetStream, so a slow receiver\'s backlog cannot fill the consumer\'s ack window; a new delivery whose receiver\'s turn is already that far off is parked straight from fan-out',
  }),
  inlineWaitMs: field.duration('HOOKLINE_DISPATCH_INLINE_WAIT', {
    // Long enough that a machine too busy to run the dispatcher for a moment is not taken
    // for a receiver that stopped answering (which would send its backlog the slow way).
    default: 5000,
    doc: 'first attempts are made straight from fan-out (the host event unacknowledged meanwhile), waiting for their receiver\'s turn, unless the receiver has completed no attempt for this long (or its turn is further off than HOOKLINE_DISPATCH_INLINE_QUEUE_WAIT): then the "created" fact is published as the order',
  }),
  inlineQueueWaitMs: field.duration('HOOKLINE_DISPATCH_INLINE_QUEUE_WAIT', {
    // Each event waiting here holds one of HOOKLINE_DISPATCH_CONCURRENCY places: a slow
    // receiver must not take them all from the events of every other receiver. 1 s was too
    // little on a slower machine: a 100,000-event backlog for one receiver, whose completion
    // rate dips while the dispatcher starts, sent most events the order path, whose
    // hand-backs and parking cost more CPU, so the rate fell further (measured: 44-72
    // deliveries/s, 94,000-98,000 orders parked, not drained in 150 s); with 5 s the same
    // backlog stayed in the stream and drained at 1.24x the steady rate.
    default: 5000,
    doc: 'a first attempt straight from fan-out waits for its receiver\'s turn only when that turn is expected within this (judged from the receiver\'s completion rate); a longer wait publishes the "created" fact as the order instead, so the host event does not hold one of the dispatcher\'s places meanwhile',
  }),
  factsLingerMs: field.duration('HOOKLINE_DISPATCH_FACTS_LINGER', {
    default: 5,
    doc: 'delivery facts of one tenant go to the log as at most one message per this interval (what comes meanwhile waits and goes together; after a quiet spell a fact goes at once); it delays the acknowledgement of a host event, not its delivery. 0: one message per event-loop turn',
  }),
  signerTimeoutMs: field.duration('HOOKLINE_SIGNER_TIMEOUT', { default: 5000, doc: 'how long an attempt waits for its signature' }),
  signerInFlight: field.int('HOOKLINE_DISPATCH_SIGNER_IN_FLIGHT', {
    default: 0,
    min: 0,
    max: 1000,
    doc: 'sign requests (each a batch) a dispatcher has out at once; what is asked for meanwhile waits and goes as one batch when one comes back. 0: no limit, one request per event-loop turn',
  }),
  // May carry a password: marked secret so a bad value is never echoed.
  smtpUrl: {
    ...field.url('HOOKLINE_SMTP_URL', { protocols: ['smtp:', 'smtps:'], optional: true, doc: 'the SMTP server e-mail deliveries (hookup e-mails) go through, e.g. smtp://user:password@mail.example.com:587; smtps: for TLS from the start' }),
    secret: true,
  },
  smtpFrom: field.string('HOOKLINE_SMTP_FROM', { default: 'Hookline <hookline@localhost>', doc: 'the From address of e-mail deliveries' }),
};

export type DispatcherConfig = NatsConfig &
  DatabaseConfig &
  HttpConfig &
  OperatorConfig &
  EgressConfig &
  DeliveryConfig &
  RegistryViewConfig & { attemptConcurrency: number; perReceiverConcurrency: number; parkAfterMs: number; inlineWaitMs: number; inlineQueueWaitMs: number; factsLingerMs: number; signerTimeoutMs: number; signerInFlight: number; smtpUrl?: string; smtpFrom: string };
