// Log entries of requests that were refused (401, 404 of a record, 400, 413, 422, …) are
// collected here and written in one statement every HOOKLINE_LISTENER_LOG_FLUSH; accepted
// requests' entries travel with their change and are written when it is applied.
import { BeforeApplicationShutdown, Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { CONFIG } from '@hookline/config';
import { LOGGER, Logger } from '@hookline/observability';
import type { WebhookListenerConfig } from '../config';
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
    this.flushing = this.logs
      .append(batch)
      .catch((err: Error) => {
        this.logger.warn({ err: err.message, entries: batch.length }, 'writing webhook log entries failed; will try again');
        this.entries = [...batch, ...this.entries].slice(-MAX_BUFFERED);
      })
      .finally(() => (this.flushing = undefined));
    return this.flushing;
  }

  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }
}
