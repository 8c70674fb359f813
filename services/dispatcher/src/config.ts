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
import { egressConfig, type EgressConfig } from '@hookline/egress';

export const dispatcherConfigSpec = {
  ...natsConfig,
  ...databaseConfig,
  ...httpConfig,
  ...operatorConfig,
  ...egressConfig,
  attemptConcurrency: field.int('HOOKLINE_DISPATCH_CONCURRENCY', { default: 512, min: 1, max: 10_000, doc: 'attempts in flight at once per dispatcher' }),
  perReceiverConcurrency: field.int('HOOKLINE_DISPATCH_PER_RECEIVER_CONCURRENCY', {
    default: 32,
    min: 1,
    max: 10_000,
    doc: 'attempts in flight at once to one receiver; beyond it the receiver waits its turn, so a slow receiver cannot take every slot',
  }),
  signerTimeoutMs: field.duration('HOOKLINE_SIGNER_TIMEOUT', { default: 5000, doc: 'how long an attempt waits for its signature' }),
};

export type DispatcherConfig = NatsConfig &
  DatabaseConfig &
  HttpConfig &
  OperatorConfig &
  EgressConfig & { attemptConcurrency: number; perReceiverConcurrency: number; signerTimeoutMs: number };
