import { DynamicModule, Global, Injectable, Module, OnApplicationShutdown } from '@nestjs/common';
import { LOGGER, type Logger } from '@hookline/observability';
import { EgressClient, type EgressOptions } from './egress-client';

export const EGRESS_OPTIONS = Symbol('HOOKLINE_EGRESS_OPTIONS');

/** The service's one EgressClient, closed (after in-flight requests) at shutdown. */
@Injectable()
export class EgressLifecycle implements OnApplicationShutdown {
  constructor(private readonly client: EgressClient) {}
  async onApplicationShutdown(): Promise<void> {
    await this.client.close();
  }
}

@Global()
@Module({})
export class EgressModule {
  static forRoot(options: EgressOptions): DynamicModule {
    return {
      module: EgressModule,
      providers: [
        { provide: EGRESS_OPTIONS, useValue: options },
        { provide: EgressClient, useFactory: (opts: EgressOptions, logger: Logger) => new EgressClient({ logger, ...opts }), inject: [EGRESS_OPTIONS, LOGGER] },
        EgressLifecycle,
      ],
      exports: [EgressClient],
    };
  }
}

