import { Module } from '@nestjs/common';
import { NatsRpc } from '@hookline/messaging';
import { LogsModule } from '../logs/logs.module';
import { RecordsModule } from '../records/records.module';
import { ScriptRunner } from '../scripts/script-runner';
import { IngestService } from './ingest.service';

/** /hooks/*: authenticate, size-check, verify, parse, transform, validate, store on JetStream, 202. */
@Module({
  imports: [LogsModule, RecordsModule],
  providers: [NatsRpc, ScriptRunner, IngestService],
  exports: [IngestService],
})
export class IngestModule {}
