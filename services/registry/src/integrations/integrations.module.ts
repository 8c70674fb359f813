import { Inject, MiddlewareConsumer, Module, NestModule } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { CONFIG } from '@hookline/config';
import { browserAccess } from '@hookline/http';
import { NatsRpc } from '@hookline/messaging';
import type { RegistryConfig } from '../config';
import { TenantsModule } from '../tenants/tenants.module';
import { ButtonsBundleController } from './buttons-bundle.controller';
import { IntegrationButtonsBundle } from './buttons-bundle';
import { Integration } from './entities/integration.entity';
import { IntegrationCredentials } from './integration-credentials';
import { IntegrationUseService } from './integration-use.service';
import { IntegrationsController, TriggerProblemFilter } from './integrations.controller';
import { IntegrationsRepository } from './integrations.repository';
import { IntegrationsService } from './integrations.service';

/** Custom integrations (/v1/integrations) and the web component that shows them (/integration-buttons/). */
@Module({
  imports: [TypeOrmModule.forFeature([Integration]), TenantsModule],
  controllers: [IntegrationsController, ButtonsBundleController],
  providers: [NatsRpc, IntegrationsRepository, IntegrationsService, IntegrationUseService, IntegrationCredentials, IntegrationButtonsBundle, TriggerProblemFilter],
})
export class IntegrationsModule implements NestModule {
  constructor(@Inject(CONFIG) private readonly config: RegistryConfig) {}

  /** The routes a host page's browser calls across origins (HOOKLINE_CORS_ORIGINS). */
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(browserAccess(this.config.corsOrigins)).forRoutes('v1/integrations/buttons', 'v1/integrations/:id/trigger', 'v1/integrations/:id/framing');
  }
}
