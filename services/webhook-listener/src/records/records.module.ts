import { Module } from '@nestjs/common';
import { RecordsController } from './records.controller';
import { RecordsRepository } from './records.repository';
import { RecordsService } from './records.service';

/** The records listeners stored (/v1/listener-records/<listenerId>). */
@Module({
  controllers: [RecordsController],
  providers: [RecordsRepository, RecordsService],
  exports: [RecordsRepository],
})
export class RecordsModule {}
