import {
  databaseConfig,
  field,
  httpConfig,
  natsConfig,
  operatorConfig,
  parseDuration,
  type DatabaseConfig,
  type HttpConfig,
  type NatsConfig,
  type OperatorConfig,
} from '@hookline/config';
import { deliveryConfig, type DeliveryConfig } from '@hookline/delivery';
import { registryViewConfig, type RegistryViewConfig } from '@hookline/registry-view';

export const retrySchedulerConfigSpec = {
  ...natsConfig,
  ...databaseConfig,
  ...httpConfig,
  ...operatorConfig,
  ...deliveryConfig,
  ...registryViewConfig,
  pollIntervalMs: field.duration('HOOKLINE_RETRY_POLL_INTERVAL', { default: 500, doc: 'how often due retries are looked for' }),
  leaseMs: {
    ...field.duration('HOOKLINE_RETRY_LEASE', {
      default: 10_000,
      doc: 'how long the active retry-scheduler instance holds its lease without renewing it (renewed every third of it); a standby takes over at most this long after the active one stops',
    }),
    parse: (raw: string) => {
      const v = parseDuration(raw.trim());
      if (v < 300) throw new Error('must be at least 300ms');
      return v;
    },
  },
  expirySweepMs: {
    ...field.duration('HOOKLINE_PUSH_EXPIRY_SWEEP', {
      default: 60_000,
      doc: 'how often waiting deliveries of expiring kinds (push notifications) are checked against their tenant setting (also at once when it changes)',
    }),
    parse: (raw: string) => {
      const v = parseDuration(raw.trim());
      if (v <= 0) throw new Error('must be more than zero');
      return v;
    },
  },
};

export type RetrySchedulerConfig = NatsConfig &
  DatabaseConfig &
  HttpConfig &
  OperatorConfig &
  DeliveryConfig &
  RegistryViewConfig & { pollIntervalMs: number; expirySweepMs: number; leaseMs: number };
