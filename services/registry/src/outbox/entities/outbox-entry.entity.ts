import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import type { RegistryChange } from '@hookline/contracts';

/** A change event waiting to be published, or published (table registry_outbox, owned by registry). */
@Entity({ name: 'registry_outbox' })
export class OutboxEntry {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  seq: string;

  @Column('uuid', { unique: true })
  id: string;

  @Column({ name: 'tenant_id', type: 'text' })
  tenantId: string;

  @Column({ type: 'text' })
  subject: string;

  @Column({ type: 'jsonb' })
  payload: RegistryChange | Record<string, unknown>;

  /** The Nats-Msg-Id when it is not the row id (a delivery fact keeps its own, derived id). */
  @Column({ name: 'msg_id', type: 'text', nullable: true })
  msgId: string | null;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column({ name: 'published_at', type: 'timestamptz', nullable: true })
  publishedAt: Date | null;
}
