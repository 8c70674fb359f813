import { databaseConfig, field, httpConfig, natsConfig, operatorConfig, type DatabaseConfig, type HttpConfig, type NatsConfig, type OperatorConfig } from '@hookline/config';

const listenerConfig = {
  maxBodyBytes: field.int('HOOKLINE_LISTENER_MAX_BODY', { default: 65_536, min: 1024, max: 1_048_576, doc: 'largest request body a listener takes, before and after decompression (the seed: 64 KB)' }),
  applyBatch: field.int('HOOKLINE_LISTENER_APPLY_BATCH', { default: 1000, min: 1, max: 5000, doc: 'accepted changes applied to the tables in one transaction (at most: a batch takes what is pending)' }),
  applyLingerMs: field.duration('HOOKLINE_LISTENER_APPLY_LINGER', { default: 75, doc: 'while changes keep coming, the shortest time between two apply transactions (larger, fewer batches; an idle listener applies at once, and a full batch is followed at once by the next)' }),
  applyLockTimeoutMs: field.duration('HOOKLINE_LISTENER_APPLY_LOCK_TIMEOUT', {
    default: 2000,
    doc: 'how long the apply waits for a lock on a listener’s tables (held by a migration or the host application) before it leaves that listener’s changes for later and applies the others',
  }),
  retentionSweepMs: field.duration('HOOKLINE_LISTENER_RETENTION_SWEEP', { default: 60_000, doc: 'how often records past their listener’s retention are deleted' }),
  purgeBatch: field.int('HOOKLINE_LISTENER_PURGE_BATCH', { default: 1000, min: 1, max: 100_000, doc: 'root rows deleted per statement by the retention purge' }),
  verifyTimeoutMs: field.duration('HOOKLINE_LISTENER_VERIFY_TIMEOUT', { default: 2000, doc: 'how long a request waits for the signer to check its signature' }),
  logBodyMax: field.int('HOOKLINE_LISTENER_LOG_BODY_MAX', { default: 8192, min: 0, max: 65_536, doc: 'bytes of a failed request’s body kept in its log entry' }),
  scriptThreads: field.int('HOOKLINE_LISTENER_SCRIPT_THREADS', { default: 2, min: 1, max: 64, doc: 'threads that run transform scripts (started on a script’s first run), off the thread that serves requests' }),
  logFlushMs: field.duration('HOOKLINE_LISTENER_LOG_FLUSH', { default: 200, doc: 'how often log entries of refused requests are written (accepted ones are written with their change)' }),
};

export const webhookListenerConfigSpec = { ...natsConfig, ...databaseConfig, ...httpConfig, ...operatorConfig, ...listenerConfig };
export type WebhookListenerConfig = NatsConfig &
  DatabaseConfig &
  HttpConfig &
  OperatorConfig & {
    maxBodyBytes: number;
    applyBatch: number;
    applyLingerMs: number;
    applyLockTimeoutMs: number;
    retentionSweepMs: number;
    purgeBatch: number;
    verifyTimeoutMs: number;
    logBodyMax: number;
    logFlushMs: number;
    scriptThreads: number;
  };
