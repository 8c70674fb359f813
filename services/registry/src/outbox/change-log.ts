// The registry's unit of work: a write and the change events describing it commit in
// one PostgreSQL transaction (the transactional outbox), so the data and the event
// stream cannot diverge. Services do every write through ChangeLog.transaction().
import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import type { RegistryChange } from '@hookline/contracts';
import { NewChange, OutboxRepository } from './outbox.repository';
import { OutboxRelay } from './outbox.relay';

export class Tx {
  readonly changes: RegistryChange[] = [];
  constructor(
    /** Hand this to repositories; only they touch it. */
    readonly em: EntityManager,
    private readonly outbox: OutboxRepository,
    readonly now: Date,
  ) {}

  /** Records a change event in the outbox, inside this transaction. */
  async record(change: NewChange): Promise<RegistryChange> {
    const c = await this.outbox.append(this.em, change, this.now);
    this.changes.push(c);
    return c;
  }

  /** Publishes another message (a delivery's "created" fact) once this transaction commits, with its own Nats-Msg-Id. */
  async emit(m: { tenantId: string; subject: string; payload: object; msgId: string }): Promise<void> {
    await this.outbox.appendMessage(this.em, m, this.now);
    this.emitted++;
  }

  emitted = 0;
}

@Injectable()
export class ChangeLog {
  constructor(
    private readonly dataSource: DataSource,
    private readonly outbox: OutboxRepository,
    private readonly relay: OutboxRelay,
  ) {}

  async transaction<T>(work: (tx: Tx) => Promise<T>): Promise<T> {
    let recorded = false;
    const result = await this.dataSource.transaction(async (em) => {
      const tx = new Tx(em, this.outbox, new Date());
      const r = await work(tx);
      recorded = tx.changes.length > 0 || tx.emitted > 0;
      return r;
    });
    // Read-your-writes for the stream: answer once the change events are published.
    if (recorded) await this.relay.flushed();
    return result;
  }
}
