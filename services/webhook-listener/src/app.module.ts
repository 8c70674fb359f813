// webhook-listener: inbound ingest. URLs other systems push to (/hooks/*), authenticated by
// token or signature, stored on JetStream first and applied to tables generated from a
// sample; the records and the request logs are read here too.
import { DynamicModule, Module } from '@nestjs/common';
import { AuthModule } from '@hookline/auth';
import { ConfigModule, VERSION } from '@hookline/config';
import { CONSUMERS, STREAMS } from '@hookline/contracts';
import { HttpModule } from '@hookline/http';
import { MessagingModule } from '@hookline/messaging';
import { ObservabilityModule } from '@hookline/observability';
import { PersistenceModule } from '@hookline/persistence';
import { ApplyModule } from './apply/apply.module';
import type { WebhookListenerConfig } from './config';
import { IngestModule } from './ingest/ingest.module';
import { LogsModule } from './logs/logs.module';
import { RecordsModule } from './records/records.module';
import { RegistryViewModule } from './registry-view/registry-view.module';
import { RetentionModule } from './retention/retention.module';

@Module({})
export class AppModule {
  static forRoot(config: WebhookListenerConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forValue(config),
        ObservabilityModule.forRoot({ service: 'webhook-listener', version: VERSION, logLevel: config.logLevel }),
        MessagingModule.forRoot({
          useFactory: () => ({ natsUrl: config.natsUrl, streamReplicas: config.streamReplicas, name: 'webhook-listener' }),
          streams: [STREAMS.registry, STREAMS.ingest, STREAMS.events],
          consumers: [CONSUMERS.listenerApply],
        }),
        PersistenceModule.forRoot({ databaseUrl: config.databaseUrl, poolSize: config.databasePoolSize, entities: [], service: 'webhook-listener' }),
        // Access tokens on the read API are verified against the public keys in auth_signing_keys.
        AuthModule.forRoot(),
        HttpModule.forRoot({ operatorToken: config.operatorToken }),
        RegistryViewModule,
        IngestModule,
        ApplyModule,
        RecordsModule,
        LogsModule,
        RetentionModule,
      ],
    };
  }
}
