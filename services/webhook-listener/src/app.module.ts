// webhook-listener: Inbound ingest: URLs other systems push to, authenticated by token, upserted into generated tables.
import { DynamicModule, Module } from '@nestjs/common';
import { ConfigModule, VERSION } from '@hookline/config';
import { STREAMS } from '@hookline/contracts';
import { HttpModule } from '@hookline/http';
import { MessagingModule } from '@hookline/messaging';
import { ObservabilityModule } from '@hookline/observability';
import { PersistenceModule } from '@hookline/persistence';
import type { WebhookListenerConfig } from './config';

@Module({})
export class AppModule {
  static forRoot(config: WebhookListenerConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forValue(config),
        ObservabilityModule.forRoot({ service: 'webhook-listener', version: VERSION, logLevel: config.logLevel }),
        MessagingModule.forRoot({ useFactory: () => ({ natsUrl: config.natsUrl, streamReplicas: config.streamReplicas, name: 'webhook-listener' }), streams: [STREAMS.registry] }),
        PersistenceModule.forRoot({ databaseUrl: config.databaseUrl, poolSize: config.databasePoolSize, entities: [], service: 'webhook-listener' }),
        HttpModule.forRoot({ operatorToken: config.operatorToken }),
      ],
    };
  }
}
