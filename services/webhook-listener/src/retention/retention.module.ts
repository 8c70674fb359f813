import { Module } from '@nestjs/common';
import { LogsModule } from '../logs/logs.module';
import { RetentionJob } from './retention.job';
import { RetentionRepository } from './retention.repository';

/** Deletes records past their listener's retention, in batches, audited. */
@Module({
  imports: [LogsModule],
  providers: [RetentionRepository, RetentionJob],
})
export class RetentionModule {}
