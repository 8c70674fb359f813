import { DynamicModule, Module } from '@nestjs/common';
import { AuthModule } from '@hookline/auth';
import { ConfigModule, VERSION } from '@hookline/config';
import { STREAMS } from '@hookline/contracts';
import { EgressModule, egressOptionsFrom } from '@hookline/egress';
import { HttpModule } from '@hookline/http';
import { MessagingModule } from '@hookline/messaging';
import { ObservabilityModule } from '@hookline/observability';
import { PersistenceModule } from '@hookline/persistence';
import { AccountsModule } from './accounts/accounts.module';
import { Account } from './accounts/entities/account.entity';
import { RegistryAuthModule } from './auth/auth.module';
import { LoginThrottleRow } from './auth/entities/login-throttle.entity';
import { SigningKey } from './auth/entities/signing-key.entity';
import type { RegistryConfig } from './config';
import { ConsoleModule } from './console/console.module';
import { EventsModule } from './events/events.module';
import { Installation } from './installations/entities/installation.entity';
import { Template } from './installations/entities/template.entity';
import { InstallationsModule } from './installations/installations.module';
import { OidcModule } from './oidc/oidc.module';
import { OpenApiModule } from './openapi/openapi.module';
import { GrpcModule } from './grpc/grpc.module';
import { Integration } from './integrations/entities/integration.entity';
import { IntegrationsModule } from './integrations/integrations.module';
import { Listener } from './listeners/entities/listener.entity';
import { ListenerService } from './listeners/entities/listener-service.entity';
import { ListenersModule } from './listeners/listeners.module';
import { OutboxEntry } from './outbox/entities/outbox-entry.entity';
import { OutboxModule } from './outbox/outbox.module';
import { PushFlag } from './push/entities/push-flag.entity';
import { PushSettings } from './push/entities/push-settings.entity';
import { PushType } from './push/entities/push-type.entity';
import { PushModule } from './push/push.module';
import { Receiver } from './receivers/entities/receiver.entity';
import { ReceiversModule } from './receivers/receivers.module';
import { Tenant } from './tenants/entities/tenant.entity';
import { TenantsModule } from './tenants/tenants.module';
import { Topic } from './topics/entities/topic.entity';
import { TopicsModule } from './topics/topics.module';
import { Unit } from './units/entities/unit.entity';
import { UnitsModule } from './units/units.module';
import { User } from './users/entities/user.entity';
import { UsersModule } from './users/users.module';

const ENTITIES = [Tenant, Unit, User, Account, SigningKey, LoginThrottleRow, OutboxEntry, Topic, Receiver, PushSettings, PushType, PushFlag, Template, Installation, Integration, ListenerService, Listener];

@Module({})
export class AppModule {
  static forRoot(config: RegistryConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forValue(config),
        ObservabilityModule.forRoot({ service: 'registry', version: VERSION, logLevel: config.logLevel }),
        MessagingModule.forRoot({ useFactory: () => ({ natsUrl: config.natsUrl, streamReplicas: config.streamReplicas, name: 'registry' }), streams: [STREAMS.events, STREAMS.registry, STREAMS.deliveries] }),
        PersistenceModule.forRoot({ databaseUrl: config.databaseUrl, poolSize: config.databasePoolSize, entities: ENTITIES, service: 'registry' }),
        AuthModule.forRoot(),
        // Receiver and token URLs are checked against the same SSRF rules the dispatcher applies.
        EgressModule.forRoot(egressOptionsFrom(config)),
        HttpModule.forRoot({ operatorToken: config.operatorToken }),
        OutboxModule,
        TenantsModule,
        UnitsModule,
        UsersModule,
        AccountsModule,
        RegistryAuthModule,
        EventsModule,
        TopicsModule,
        ReceiversModule,
        PushModule,
        InstallationsModule,
        OidcModule,
        IntegrationsModule,
        ListenersModule,
        ConsoleModule,
        OpenApiModule,
        GrpcModule,
      ],
    };
  }
}
