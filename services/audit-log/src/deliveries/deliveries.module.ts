import { Module } from '@nestjs/common';
import { BulkResendsRepository } from './bulk-resends.repository';
import { BulkResendsService } from './bulk-resends.service';
import { BulkResendsWorker } from './bulk-resends.worker';
import { DeliveriesConsumer } from './deliveries.consumer';
import { DeliveriesController } from './deliveries.controller';
import { DeliveriesRepository } from './deliveries.repository';
import { DeliveriesService } from './deliveries.service';
import { DeliveryLivePublisher } from './delivery-live.publisher';

/** The delivery log: projection of hookline.delivery.>, GET /v1/deliveries, single and bulk resends. */
@Module({
  controllers: [DeliveriesController],
  providers: [DeliveriesRepository, DeliveriesService, DeliveriesConsumer, BulkResendsRepository, BulkResendsService, BulkResendsWorker, DeliveryLivePublisher],
})
export class DeliveriesModule {}
