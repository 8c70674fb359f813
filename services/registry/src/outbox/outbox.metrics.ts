// The outbox's lag for Prometheus (hookline_outbox_pending_rows and
// hookline_outbox_oldest_pending_age_seconds): read from PostgreSQL when scraped, at most
// every 5 s. Every registry instance reports the one shared outbox: aggregate with max().
import { Injectable, OnModuleInit } from '@nestjs/common';
import { Metrics } from '@hookline/observability';
import { OutboxRepository } from './outbox.repository';

const CACHE_MS = 5000;

@Injectable()
export class OutboxMetrics implements OnModuleInit {
  constructor(
    private readonly outbox: OutboxRepository,
    private readonly metrics: Metrics,
  ) {}

  onModuleInit(): void {
    this.metrics.onScrape({
      name: 'outbox',
      gauges: ['outboxPending', 'outboxLag'],
      cacheMs: CACHE_MS,
      read: async () => {
        const lag = await this.outbox.pendingLag();
        return { outboxPending: [{ labels: {}, value: lag.rows }], outboxLag: [{ labels: {}, value: lag.oldestAgeSeconds }] };
      },
    });
  }
}
