import { DynamicModule, Module } from '@nestjs/common';
import { AuthModule } from '@hookline/auth';
import { ConfigModule, VERSION } from '@hookline/config';
import { CONSUMERS, STREAMS } from '@hookline/contracts';
import { DeliveryKindsModule } from '@hookline/delivery';
import { HttpModule } from '@hookline/http';
import { MessagingModule } from '@hookline/messaging';
import { ObservabilityModule } from '@hookline/observability';
import { PersistenceModule } from '@hookline/persistence';
import type { AuditLogConfig } from './config';
import { ChangesModule } from './changes/changes.module';
import { ProjectedUnit } from './changes/entities/projected-unit.entity';
import { StoredChange } from './changes/entities/stored-change.entity';
import { StoredEvent } from './events/entities/stored-event.entity';
import { DeliveriesModule } from './deliveries/deliveries.module';
import { EventsModule } from './events/events.module';
import { IntegrationJobsModule } from './integration-jobs/integration-jobs.module';

@Module({})
export class AppModule {
  static forRoot(config: AuditLogConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forValue(config),
        ObservabilityModule.forRoot({ service: 'audit-log', version: VERSION, logLevel: config.logLevel }),
        MessagingModule.forRoot({
          useFactory: () => ({ natsUrl: config.natsUrl, streamReplicas: config.streamReplicas, name: 'audit-log' }),
          streams: [STREAMS.events, STREAMS.deliveries, STREAMS.dispatch, STREAMS.registry],
          consumers: [CONSUMERS.auditEvents, CONSUMERS.auditDeliveries, CONSUMERS.auditRegistry],
        }),
        PersistenceModule.forRoot({ databaseUrl: config.databaseUrl, poolSize: config.databasePoolSize, entities: [StoredEvent, StoredChange, ProjectedUnit], service: 'audit-log' }),
        // Access tokens are verified here against the public keys in auth_signing_keys.
        AuthModule.forRoot(),
        HttpModule.forRoot({ operatorToken: config.operatorToken }),
        DeliveryKindsModule,
        EventsModule,
        ChangesModule,
        DeliveriesModule,
        IntegrationJobsModule,
      ],
    };
  }
}
