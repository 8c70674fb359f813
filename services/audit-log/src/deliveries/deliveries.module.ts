import { Module } from '@nestjs/common';
import { DeliveriesConsumer } from './deliveries.consumer';
import { DeliveriesController } from './deliveries.controller';
import { DeliveriesRepository } from './deliveries.repository';
import { DeliveriesService } from './deliveries.service';

/** The webhook log: projection of hookline.delivery.> and GET/POST /v1/deliveries. */
@Module({
  controllers: [DeliveriesController],
  providers: [DeliveriesRepository, DeliveriesService, DeliveriesConsumer],
})
export class DeliveriesModule {}
