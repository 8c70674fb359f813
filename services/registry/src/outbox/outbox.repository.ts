import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager, In, IsNull, LessThan, Not } from 'typeorm';
import { redactSecrets, registryChangeSubject, uuidv7, type RegistryChange } from '@hookline/contracts';
import { OutboxEntry } from './entities/outbox-entry.entity';

export type NewChange = Omit<RegistryChange, 'id' | 'at'>;

/** Serialises relays across instances, so rows are published in seq order by one of them at a time. */
const RELAY_LOCK = 726_176;

@Injectable()
export class OutboxRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Adds a change event inside the caller's transaction: it exists exactly when the change does. */
  async append(em: EntityManager, change: NewChange, now = new Date()): Promise<RegistryChange> {
    const full: RegistryChange = redactSecrets({ id: uuidv7(now.getTime()), at: now.toISOString(), ...change });
    await em.getRepository(OutboxEntry).insert({
      id: full.id,
      tenantId: full.tenantId,
      subject: registryChangeSubject(full.tenantId, full.entity, full.action),
      payload: full as never, // jsonb: TypeORM's deep-partial typing does not model it
      msgId: null,
      createdAt: now,
      publishedAt: null,
    });
    return full;
  }

  /**
   * Adds another message to publish with the change events, inside the caller's
   * transaction (a delivery's "created" fact: the write and the notification it causes
   * commit together). The payload must hold no secret: it is stored and published as is.
   */
  async appendMessage(em: EntityManager, m: { tenantId: string; subject: string; payload: object; msgId: string }, now = new Date()): Promise<void> {
    await em.getRepository(OutboxEntry).insert({
      id: uuidv7(now.getTime()),
      tenantId: m.tenantId,
      subject: m.subject,
      payload: m.payload as never,
      msgId: m.msgId,
      createdAt: now,
      publishedAt: null,
    });
  }

  /**
   * Runs `publish` over the oldest unpublished rows while holding the relay lock, and
   * marks the ones it published. Returns how many were published; 0 when another
   * instance holds the lock or nothing is waiting.
   */
  async drain(limit: number, publish: (rows: OutboxEntry[]) => Promise<string[]>): Promise<number> {
    return this.dataSource.transaction(async (em) => {
      const [{ locked }] = await em.query('SELECT pg_try_advisory_xact_lock($1) AS locked', [RELAY_LOCK]);
      if (!locked) return 0;
      const rows = await em.getRepository(OutboxEntry).find({ where: { publishedAt: IsNull() }, order: { seq: 'ASC' }, take: limit });
      if (rows.length === 0) return 0;
      const done = await publish(rows);
      if (done.length > 0) await em.getRepository(OutboxEntry).update({ id: In(done) }, { publishedAt: new Date() });
      return done.length;
    });
  }

  /** Published rows are only needed for a while (the stream keeps the history). */
  async purgePublished(olderThan: Date): Promise<number> {
    const r = await this.dataSource.getRepository(OutboxEntry).delete({ publishedAt: Not(IsNull()), createdAt: LessThan(olderThan) });
    return r.affected ?? 0;
  }

  async pendingCount(): Promise<number> {
    return this.dataSource.getRepository(OutboxEntry).count({ where: { publishedAt: IsNull() } });
  }

  /** Unpublished rows and the age of the oldest (seconds, 0 when none waits), by the database's clock; the partial index on pending rows serves it. */
  async pendingLag(): Promise<{ rows: number; oldestAgeSeconds: number }> {
    const [r] = await this.dataSource.query(
      `SELECT count(*)::int AS rows, COALESCE(EXTRACT(EPOCH FROM now() - min(created_at)), 0)::float8 AS age FROM registry_outbox WHERE published_at IS NULL`,
    );
    return { rows: r.rows, oldestAgeSeconds: Math.max(0, r.age) };
  }
}
