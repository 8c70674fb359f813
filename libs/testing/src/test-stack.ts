import { chmodSync, cpSync } from 'node:fs';
import { after, before } from 'node:test';
import { basename, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { ServiceName } from '@hookline/contracts';
import { Stack, startStack } from '@hookline/local-stack';
import { keepLogsDir, runCompiled, sharedPostgresUrl, tempDir, uniqueName } from './test-env';
import { ApiClient } from './api-client';
import type { TestReceiver } from './receiver';

export interface TestStack extends Stack {
  operatorToken: string;
  /** A client that sends the operator token. */
  operator: ApiClient;
  /** A client that sends no credentials. */
  anonymous: ApiClient;
  /** Every log line every service printed so far. */
  allLogLines(): string[];
}

export interface TestStackOptions {
  env?: Record<string, string>;
  services?: readonly ServiceName[];
  /**
   * Start a PostgreSQL of the stack's own (stack.postgres) instead of using the runner's
   * shared one, so that a test can kill and restart it without touching other files.
   */
  ownPostgres?: boolean;
}

/** Starts the whole platform for one test file: its own nats-server, its own database. */
export async function startTestStack(opts: TestStackOptions = {}): Promise<TestStack> {
  const dir = tempDir('stack');
  // mkdtemp makes the folder 0700; PostgreSQL runs as its own user (when we are root) and
  // must be able to reach its data folder inside.
  if (opts.ownPostgres) chmodSync(dir.path, 0o711);
  const operatorToken = `op_${randomBytes(24).toString('base64url')}`;
  const encryptionKey = randomBytes(32).toString('base64');
  const stack = await startStack({
    dataDir: dir.path,
    postgresAdminUrl: opts.ownPostgres ? undefined : sharedPostgresUrl(),
    database: uniqueName('e2e'),
    // A PostgreSQL a test crashes keeps production's durability (fsync, synchronous commit):
    // with synchronous_commit off an immediate shutdown loses commits it had acknowledged.
    fastPostgres: !opts.ownPostgres,
    services: opts.services,
    compiled: runCompiled(),
    env: { HOOKLINE_OPERATOR_TOKEN: operatorToken, HOOKLINE_ENCRYPTION_KEY: encryptionKey, HOOKLINE_LOG_LEVEL: 'info', HOOKLINE_SHUTDOWN_GRACE: '5s', ...opts.env },
  });
  const stop = stack.stop.bind(stack);
  return {
    ...stack,
    operatorToken,
    operator: new ApiClient(stack.url, operatorToken),
    anonymous: new ApiClient(stack.url),
    allLogLines: () => Object.values(stack.services).flatMap((s) => s.lines),
    async stop() {
      await stop();
      // HOOKLINE_TEST_KEEP_LOGS=<dir> keeps each stack's service logs for a post-mortem.
      const keep = keepLogsDir();
      if (keep) cpSync(join(dir.path, 'logs'), join(keep, basename(dir.path)), { recursive: true });
      dir.remove();
    },
  };
}

/**
 * For one describe block: its stack, started before its tests (`opts` as for
 * startTestStack) and stopped after them, once the receivers the tests put in `servers`
 * are closed. `stack()` is the running stack.
 */
export function suiteStack(opts: TestStackOptions = {}): { stack: () => TestStack; servers: TestReceiver[] } {
  let started: TestStack | undefined;
  const servers: TestReceiver[] = [];
  before(async () => {
    started = await startTestStack(opts);
  });
  after(async () => {
    for (const s of servers) await s.close();
    await started?.stop();
  });
  return {
    stack: () => {
      if (!started) throw new Error('the suite stack has not started');
      return started;
    },
    servers,
  };
}
