// signer: The only holder of delivery secrets: signatures, OAuth2 access tokens, JWT headers and verification hashes on request.
import { DynamicModule, Module } from '@nestjs/common';
import { ConfigModule, VERSION } from '@hookline/config';
import { STREAMS } from '@hookline/contracts';
import { EgressModule, egressOptionsFrom } from '@hookline/egress';
import { HttpModule } from '@hookline/http';
import { MessagingModule } from '@hookline/messaging';
import { ObservabilityModule } from '@hookline/observability';
import { PersistenceModule } from '@hookline/persistence';
import type { SignerConfig } from './config';
import { DeliveryCredential } from './credentials/entities/delivery-credential.entity';
import { SigningModule } from './signing/signing.module';

@Module({})
export class AppModule {
  static forRoot(config: SignerConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forValue(config),
        ObservabilityModule.forRoot({ service: 'signer', version: VERSION, logLevel: config.logLevel }),
        MessagingModule.forRoot({ useFactory: () => ({ natsUrl: config.natsUrl, streamReplicas: config.streamReplicas, name: 'signer' }), streams: [STREAMS.deliveries] }),
        PersistenceModule.forRoot({ databaseUrl: config.databaseUrl, poolSize: config.databasePoolSize, entities: [DeliveryCredential], service: 'signer' }),
        // OAuth2 token requests are outbound traffic like any delivery: same SSRF guard.
        EgressModule.forRoot(egressOptionsFrom(config)),
        HttpModule.forRoot({ operatorToken: config.operatorToken }),
        SigningModule,
      ],
    };
  }
}
