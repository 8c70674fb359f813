import { DynamicModule, Module } from '@nestjs/common';
import { ConfigModule, VERSION } from '@hookline/config';
import { STREAMS } from '@hookline/contracts';
import { HttpModule } from '@hookline/http';
import { MessagingModule } from '@hookline/messaging';
import { ObservabilityModule } from '@hookline/observability';
import { PersistenceModule } from '@hookline/persistence';
import type { RegistryConfig } from './config';
import { EventsModule } from './events/events.module';

@Module({})
export class AppModule {
  static forRoot(config: RegistryConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forValue(config),
        ObservabilityModule.forRoot({ service: 'registry', version: VERSION, logLevel: config.logLevel }),
        MessagingModule.forRoot({ useFactory: () => ({ natsUrl: config.natsUrl, name: 'registry' }), streams: [STREAMS.events, STREAMS.registry] }),
        PersistenceModule.forRoot({ databaseUrl: config.databaseUrl, poolSize: config.databasePoolSize, entities: [], service: 'registry' }),
        HttpModule.forRoot({ operatorToken: config.operatorToken }),
        EventsModule,
      ],
    };
  }
}
