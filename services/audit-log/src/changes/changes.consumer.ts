import { Injectable, OnModuleInit } from '@nestjs/common';
import { CONSUMERS, InvalidChangeError, parseRegistryChange } from '@hookline/contracts';
import { ConsumerHost, PoisonMessageError } from '@hookline/messaging';
import { ChangesRepository } from './changes.repository';

/** Projects every registry change into audit_changes (and units into audit_units). Idempotent. */
@Injectable()
export class ChangesConsumer implements OnModuleInit {
  constructor(
    private readonly host: ConsumerHost,
    private readonly changes: ChangesRepository,
  ) {}

  onModuleInit(): void {
    this.host.registerBatch(CONSUMERS.auditRegistry, 'registry-change', async (msgs) => {
      const changes = msgs.map((msg) => {
        try {
          return { change: parseRegistryChange(msg.payload), streamSeq: msg.streamSeq };
        } catch (err) {
          if (err instanceof InvalidChangeError) throw new PoisonMessageError(err.message);
          throw err;
        }
      });
      await this.changes.insertMany(changes);
    });
  }
}
