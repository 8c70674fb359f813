import { DynamicModule, Global, Module } from '@nestjs/common';
import { InstanceStats } from './instance-stats';
import { createLogger, Logger } from './logger';
import { Metrics } from './metrics';
import { ReadinessRegistry } from './readiness';
import { TracingShutdown } from './tracing-shutdown';

export const LOGGER = Symbol('HOOKLINE_LOGGER');

export interface ServiceIdentity {
  service: string;
  version: string;
  logLevel: string;
}

@Global()
@Module({})
export class ObservabilityModule {
  static forRoot(identity: ServiceIdentity): DynamicModule {
    const logger: Logger = createLogger({ service: identity.service, version: identity.version, level: identity.logLevel });
    return {
      module: ObservabilityModule,
      providers: [
        TracingShutdown,
        { provide: LOGGER, useValue: logger },
        ReadinessRegistry,
        // One per process: its work counters and runtime pauses, shown by GET /health.
        {
          provide: InstanceStats,
          useFactory: () => {
            const stats = new InstanceStats();
            stats.start();
            return stats;
          },
        },
        // One per process: its Prometheus metrics (GET /metrics), sharing InstanceStats' work counters.
        { provide: Metrics, useFactory: (stats: InstanceStats) => new Metrics({ service: identity.service, stats }), inject: [InstanceStats] },
      ],
      exports: [LOGGER, ReadinessRegistry, InstanceStats, Metrics],
    };
  }
}
