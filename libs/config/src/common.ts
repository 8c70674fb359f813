// Settings every service shares. Each service spreads these into its own spec.
import { isIP } from 'node:net';
import { field, type FieldSpec } from './config';
import { tracingConfig } from './tracing';

const PROXY_NAMES = ['loopback', 'linklocal', 'uniquelocal'];

/**
 * Express's `trust proxy`: which peers' X-Forwarded-For is believed when the service
 * takes a request's client address (login throttling per address, audit records): a
 * number of proxy hops, or addresses, CIDRs and the names loopback, linklocal and
 * uniquelocal, comma-separated.
 */
export function parseTrustProxy(raw: string): number | string {
  const v = raw.trim();
  if (/^\d+$/.test(v)) return Number(v);
  for (const part of v.split(',').map((p) => p.trim())) {
    const [addr, bits, ...rest] = part.split('/');
    const ok = PROXY_NAMES.includes(part) || (rest.length === 0 && isIP(addr) !== 0 && (bits === undefined || (/^\d+$/.test(bits) && Number(bits) <= (isIP(addr) === 4 ? 32 : 128))));
    if (!ok) throw new Error(`"${part}" is not a number of hops, an address, a CIDR or one of ${PROXY_NAMES.join(', ')}`);
  }
  return v;
}

export const natsConfig = {
  natsUrl: field.url('HOOKLINE_NATS_URL', {
    protocols: ['nats:', 'tls:'],
    default: 'nats://127.0.0.1:4222',
    doc: 'NATS server(s) with JetStream, comma-separated',
  }),
  streamReplicas: field.int('HOOKLINE_STREAM_REPLICAS', {
    default: 1,
    min: 1,
    max: 5,
    doc: 'copies of each JetStream stream the services create or update (1 on a single nats-server; 3 on a 3-node JetStream cluster)',
  }),
};

export const databaseConfig = {
  databaseUrl: field.url('HOOKLINE_DATABASE_URL', {
    protocols: ['postgres:', 'postgresql:'],
    default: 'postgres://hookline@127.0.0.1:5432/hookline',
    doc: 'PostgreSQL connection URL',
  }),
  databasePoolSize: field.int('HOOKLINE_DATABASE_POOL_SIZE', { default: 10, min: 1, max: 200, doc: 'connections per service' }),
};

export const httpConfig = {
  listenHost: field.string('HOOKLINE_LISTEN_HOST', { default: '127.0.0.1', doc: 'address the service listens on' }),
  listenPort: field.port('HOOKLINE_LISTEN_PORT', { doc: "this service's own HTTP port (0 picks a free one)" }),
  logLevel: field.oneOf('HOOKLINE_LOG_LEVEL', ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const, {
    default: 'info',
    doc: 'pino log level',
  }),
  shutdownGraceMs: field.duration('HOOKLINE_SHUTDOWN_GRACE', {
    default: 10_000,
    doc: 'how long in-flight work may take to finish on SIGTERM',
  }),
  mallocTrimIntervalMs: field.duration('HOOKLINE_MALLOC_TRIM_INTERVAL', {
    default: 5_000,
    max: 3_600_000,
    doc: "how often the service gives the C library's free pages back to the system (glibc's malloc_trim; 0 turns it off)",
  }),
  trustProxy: {
    env: 'HOOKLINE_TRUST_PROXY',
    default: 'loopback',
    doc: "whose X-Forwarded-For gives a request's client address: a number of proxy hops (1 behind a Kubernetes ingress), or addresses, CIDRs, loopback, linklocal, uniquelocal",
    parse: parseTrustProxy,
  } satisfies FieldSpec<number | string> & { env: string },
  metrics: field.bool('HOOKLINE_METRICS', { default: true, doc: 'serve Prometheus metrics at GET /metrics (process metrics, HTTP requests, and the service\'s own)' }),
  metricsPort: field.port('HOOKLINE_METRICS_PORT', {
    optional: true,
    doc: 'serve /metrics on this port of its own (on HOOKLINE_LISTEN_HOST) instead of the service\'s HTTP port, so that a network policy can open the metrics alone',
  }),
  // Every service traces the same way (read before anything else loads, see @hookline/observability tracing.ts).
  ...tracingConfig,
};

export const operatorConfig = {
  operatorToken: field.secret('HOOKLINE_OPERATOR_TOKEN', {
    minLength: 24,
    doc: 'bearer token for operator-only endpoints (tenants, first account)',
  }),
};

export const encryptionConfig = {
  encryptionKey: field.key32('HOOKLINE_ENCRYPTION_KEY', {
    doc: 'key that encrypts secrets at rest (TOTP secrets, signing keys): 32 bytes as base64 or 64 hex characters',
  }),
};

export type NatsConfig = { natsUrl: string; streamReplicas: number };
export type DatabaseConfig = { databaseUrl: string; databasePoolSize: number };
export type HttpConfig = {
  listenHost: string;
  listenPort: number;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  shutdownGraceMs: number;
  mallocTrimIntervalMs: number;
  trustProxy: number | string;
  metrics: boolean;
  metricsPort?: number;
};
export type OperatorConfig = { operatorToken: string };
export type EncryptionConfig = { encryptionKey: Buffer };
