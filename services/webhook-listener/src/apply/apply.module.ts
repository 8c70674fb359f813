import { Module } from '@nestjs/common';
import { LogsModule } from '../logs/logs.module';
import { ApplyConsumer } from './apply.consumer';
import { ApplyRepository } from './apply.repository';
import { TableStatistics } from './table-statistics';

/** The consumer that writes accepted changes to the tables (webhook-listener-apply). */
@Module({
  imports: [LogsModule],
  providers: [ApplyRepository, TableStatistics, ApplyConsumer],
})
export class ApplyModule {}
