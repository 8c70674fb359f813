// The agenda's size for Prometheus (hookline_retry_agenda_size / _due, by kind): counted
// in PostgreSQL when scraped, at most every 15 s (one GROUP BY over delivery_schedule).
// Every instance reports the shared agenda: aggregate with max(), not sum().
import { Injectable, OnModuleInit } from '@nestjs/common';
import { DeliveryKindsService } from '@hookline/delivery';
import { Metrics } from '@hookline/observability';
import { ScheduleRepository } from './schedule.repository';

const CACHE_MS = 15_000;

@Injectable()
export class ScheduleMetrics implements OnModuleInit {
  constructor(
    private readonly repo: ScheduleRepository,
    private readonly metrics: Metrics,
    private readonly kinds: DeliveryKindsService,
  ) {}

  onModuleInit(): void {
    this.metrics.onScrape({
      name: 'retry-agenda',
      gauges: ['agendaSize', 'agendaDue'],
      cacheMs: CACHE_MS,
      read: async () => {
        // Every kind this version knows, at 0 when none of it waits (a series that vanishes cannot alert).
        const counts = new Map(this.kinds.kinds.all().map((k) => [k.kind, { size: 0, due: 0 }]));
        for (const r of await this.repo.agendaByKind(new Date())) counts.set(r.kind, { size: r.size, due: r.due });
        return {
          agendaSize: [...counts].map(([kind, c]) => ({ labels: { kind }, value: c.size })),
          agendaDue: [...counts].map(([kind, c]) => ({ labels: { kind }, value: c.due })),
        };
      },
    });
  }
}
