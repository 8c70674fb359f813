import { Inject, MiddlewareConsumer, Module, NestModule } from '@nestjs/common';
import { CONFIG } from '@hookline/config';
import { browserAccess } from '@hookline/http';
import type { AuditLogConfig } from '../config';
import { IntegrationJobsController, IntegrationLogController } from './integration-jobs.controller';
import { IntegrationJobsRepository } from './integration-jobs.repository';
import { IntegrationJobsService } from './integration-jobs.service';
import { SendingTracker } from './sending-tracker';

/** Custom integrations' background requests, from the delivery log: jobs (/v1/integration-jobs) and the log (/v1/integration-log). */
@Module({
  controllers: [IntegrationJobsController, IntegrationLogController],
  providers: [IntegrationJobsRepository, IntegrationJobsService, SendingTracker],
})
export class IntegrationJobsModule implements NestModule {
  constructor(@Inject(CONFIG) private readonly config: AuditLogConfig) {}

  /** The page that triggered a job follows it from the browser, across origins (HOOKLINE_CORS_ORIGINS). */
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(browserAccess(this.config.corsOrigins)).forRoutes('v1/integration-jobs/:id', 'v1/integration-jobs/:id/events');
  }
}
