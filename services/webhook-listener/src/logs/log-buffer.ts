// Log entries of requests that were refused (401, 404 of a record, 400, 413, 422, …) are
// collected here and written in one statement every HOOKLINE_LISTENER_LOG_FLUSH; accepted
// requests' entries travel with their change and are written when it is applied. A write
// that fails because the database is unreachable is tried again whole at the next flush; one
// the database refuses for what it holds is cut down to the entries it refuses, which are
// dropped (a warning each), so one bad entry cannot hold back every later one.
import { BeforeApplicationShutdown, Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { CONFIG } from '@hookline/config';
import { LOGGER, Logger } from '@hookline/observability';
import type { WebhookListenerConfig } from '../config';
import { writeInParts } from './log-entries';
import { LogsRepository, type LogEntry } from './logs.repository';

const MAX_BUFFERED = 10_000;

@Injectable()
export class LogBuffer implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private entries: LogEntry[] = [];
  private timer?: NodeJS.Timeout;
  private flushing?: Promise<void>;

  constructor(
    private readonly logs: LogsRepository,
    @Inject(CONFIG) private readonly config: WebhookListenerConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  push(e: LogEntry): void {
    if (this.entries.length >= MAX_BUFFERED) this.entries.shift();
    this.entries.push(e);
  }

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.flush(), this.config.logFlushMs);
    this.timer.unref();
  }

  async flush(): Promise<void> {
    if (this.flushing) return this.flushing;
    if (this.entries.length === 0) return;
    const batch = this.entries;
    this.entries = [];
    this.flushing = this.write(batch).finally(() => (this.flushing = undefined));
    return this.flushing;
  }

  private async write(batch: LogEntry[]): Promise<void> {
    const out = await writeInParts(batch, (part) => this.logs.append(part));
    // Never the entry's body, path or error text: they are the sender's, and may hold a token.
    for (const { entry, error } of out.dropped) {
      this.logger.warn(
        { tenantId: entry.tenantId, listenerId: entry.listenerId, status: entry.status, at: entry.at, err: messageOf(error) },
        'dropped a webhook log entry the database refused',
      );
    }
    if (out.unwritten.length > 0) {
      this.logger.warn({ err: messageOf(out.error), entries: out.unwritten.length }, 'writing webhook log entries failed; will try again');
      this.entries = [...out.unwritten, ...this.entries].slice(-MAX_BUFFERED);
    }
  }

  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
