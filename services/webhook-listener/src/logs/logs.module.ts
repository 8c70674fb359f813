import { Module } from '@nestjs/common';
import { LogBuffer } from './log-buffer';
import { LogsController } from './logs.controller';
import { LogsRepository } from './logs.repository';
import { LogsService } from './logs.service';

/** Webhook logs (/v1/listener-logs): the last keepLogs requests of each listener. */
@Module({
  controllers: [LogsController],
  providers: [LogsRepository, LogBuffer, LogsService],
  exports: [LogsRepository, LogBuffer],
})
export class LogsModule {}
