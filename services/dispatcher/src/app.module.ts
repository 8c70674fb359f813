// dispatcher: consumes host events, finds the receivers allowed to get each one, and
// sends every delivery over HTTP.
import { DynamicModule, Module } from '@nestjs/common';
import { ConfigModule, VERSION } from '@hookline/config';
import { CONSUMERS, STREAMS } from '@hookline/contracts';
import { DeliveryKindsModule } from '@hookline/delivery';
import { EgressModule, egressOptionsFrom } from '@hookline/egress';
import { HttpModule } from '@hookline/http';
import { MessagingModule } from '@hookline/messaging';
import { ObservabilityModule } from '@hookline/observability';
import { PersistenceModule } from '@hookline/persistence';
import { RegistryViewModule } from '@hookline/registry-view';
import { AttemptsModule } from './attempts/attempts.module';
import type { DispatcherConfig } from './config';
import { FanOutModule } from './fan-out/fan-out.module';

@Module({})
export class AppModule {
  static forRoot(config: DispatcherConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forValue(config),
        ObservabilityModule.forRoot({ service: 'dispatcher', version: VERSION, logLevel: config.logLevel }),
        MessagingModule.forRoot({
          useFactory: () => ({ natsUrl: config.natsUrl, streamReplicas: config.streamReplicas, name: 'dispatcher' }),
          streams: [STREAMS.events, STREAMS.registry, STREAMS.deliveries, STREAMS.dispatch],
          consumers: [CONSUMERS.dispatcherEvents, CONSUMERS.dispatcherFirstAttempts, CONSUMERS.dispatcherOrders],
        }),
        PersistenceModule.forRoot({ databaseUrl: config.databaseUrl, poolSize: config.databasePoolSize, entities: [], service: 'dispatcher' }),
        EgressModule.forRoot(egressOptionsFrom(config)),
        HttpModule.forRoot({ operatorToken: config.operatorToken }),
        RegistryViewModule,
        DeliveryKindsModule,
        FanOutModule,
        AttemptsModule,
      ],
    };
  }
}
