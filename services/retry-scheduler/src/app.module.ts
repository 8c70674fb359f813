// retry-scheduler: Owns when each failed delivery is tried again, and when it is given up
// (a kind whose deliveries expire, such as push notifications: deleted at expiry).
import { DynamicModule, Module } from '@nestjs/common';
import { ConfigModule, VERSION } from '@hookline/config';
import { CONSUMERS, RETIRED_CONSUMERS, STREAMS } from '@hookline/contracts';
import { HttpModule } from '@hookline/http';
import { MessagingModule } from '@hookline/messaging';
import { ObservabilityModule } from '@hookline/observability';
import { DeliveryKindsModule } from '@hookline/delivery';
import { PersistenceModule } from '@hookline/persistence';
import { RegistryViewModule } from '@hookline/registry-view';
import type { RetrySchedulerConfig } from './config';
import { ScheduleModule } from './schedule/schedule.module';

@Module({})
export class AppModule {
  static forRoot(config: RetrySchedulerConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forValue(config),
        ObservabilityModule.forRoot({ service: 'retry-scheduler', version: VERSION, logLevel: config.logLevel }),
        MessagingModule.forRoot({
          useFactory: () => ({ natsUrl: config.natsUrl, streamReplicas: config.streamReplicas, name: 'retry-scheduler' }),
          streams: [STREAMS.deliveries, STREAMS.dispatch, STREAMS.registry],
          consumers: [CONSUMERS.retrySchedulerFailed, CONSUMERS.retrySchedulerRegistry, CONSUMERS.retrySchedulerResent, CONSUMERS.retrySchedulerParked],
          retiredConsumers: [RETIRED_CONSUMERS.retrySchedulerSucceeded, RETIRED_CONSUMERS.retrySchedulerReceivers],
        }),
        PersistenceModule.forRoot({ databaseUrl: config.databaseUrl, poolSize: config.databasePoolSize, entities: [], service: 'retry-scheduler' }),
        HttpModule.forRoot({ operatorToken: config.operatorToken }),
        RegistryViewModule,
        DeliveryKindsModule,
        ScheduleModule,
      ],
    };
  }
}
