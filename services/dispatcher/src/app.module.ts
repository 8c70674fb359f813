// dispatcher: Consumes host events, finds the receivers allowed to get each one, and sends every delivery over HTTP.
import { DynamicModule, Module } from '@nestjs/common';
import { ConfigModule, VERSION } from '@hookline/config';
import { STREAMS } from '@hookline/contracts';
import { HttpModule } from '@hookline/http';
import { MessagingModule } from '@hookline/messaging';
import { ObservabilityModule } from '@hookline/observability';
import { PersistenceModule } from '@hookline/persistence';
import type { DispatcherConfig } from './config';

@Module({})
export class AppModule {
  static forRoot(config: DispatcherConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forValue(config),
        ObservabilityModule.forRoot({ service: 'dispatcher', version: VERSION, logLevel: config.logLevel }),
        MessagingModule.forRoot({ useFactory: () => ({ natsUrl: config.natsUrl, name: 'dispatcher' }), streams: [STREAMS.events, STREAMS.registry, STREAMS.deliveries] }),
        PersistenceModule.forRoot({ databaseUrl: config.databaseUrl, poolSize: config.databasePoolSize, entities: [], service: 'dispatcher' }),
        HttpModule.forRoot({ operatorToken: config.operatorToken }),
      ],
    };
  }
}
