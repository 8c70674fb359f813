// retry-scheduler: Owns when each failed delivery is tried again, and when it is given up
// (push notifications: deleted once notification_days_before has passed).
import { DynamicModule, Module } from '@nestjs/common';
import { ConfigModule, VERSION } from '@hookline/config';
import { CONSUMERS, RETIRED_CONSUMERS, STREAMS } from '@hookline/contracts';
import { HttpModule } from '@hookline/http';
import { MessagingModule } from '@hookline/messaging';
import { ObservabilityModule } from '@hookline/observability';
import { PersistenceModule } from '@hookline/persistence';
import type { RetrySchedulerConfig } from './config';
import { PushSettingsModule } from './push-settings/push-settings.module';
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
          useFactory: () => ({ natsUrl: config.natsUrl, name: 'retry-scheduler' }),
          streams: [STREAMS.deliveries, STREAMS.dispatch, STREAMS.registry],
          consumers: [CONSUMERS.retrySchedulerFailed, CONSUMERS.retrySchedulerReceivers, CONSUMERS.retrySchedulerResent, CONSUMERS.retrySchedulerParked],
          retiredConsumers: [RETIRED_CONSUMERS.retrySchedulerSucceeded],
        }),
        PersistenceModule.forRoot({ databaseUrl: config.databaseUrl, poolSize: config.databasePoolSize, entities: [], service: 'retry-scheduler' }),
        HttpModule.forRoot({ operatorToken: config.operatorToken }),
        PushSettingsModule,
        ScheduleModule,
      ],
    };
  }
}
