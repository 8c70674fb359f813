import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ChangeLog } from './change-log';
import { OutboxEntry } from './entities/outbox-entry.entity';
import { OutboxMetrics } from './outbox.metrics';
import { OutboxRelay } from './outbox.relay';
import { OutboxRepository } from './outbox.repository';

/** The transactional outbox: ChangeLog for writers, and the relay that publishes to HOOKLINE_REGISTRY. */
@Global()
@Module({
  imports: [TypeOrmModule.forFeature([OutboxEntry])],
  providers: [OutboxRepository, OutboxRelay, ChangeLog, OutboxMetrics],
  exports: [ChangeLog],
})
export class OutboxModule {}
