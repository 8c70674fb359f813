import { Column, Entity, PrimaryColumn } from 'typeorm';

/** A host event as the audit log keeps it (table audit_events, owned by audit-log). */
@Entity({ name: 'audit_events' })
export class StoredEvent {
  @PrimaryColumn('uuid')
  id: string;

  @Column({ name: 'tenant_id', type: 'text' })
  tenantId: string;

  @Column({ type: 'text' })
  topic: string;

  @Column({ name: 'object_type', type: 'text' })
  objectType: string;

  @Column({ name: 'object_id', type: 'text' })
  objectId: string;

  @Column({ name: 'object_unit', type: 'text', nullable: true })
  objectUnit: string | null;

  @Column({ type: 'jsonb' })
  data: Record<string, unknown>;

  @Column({ name: 'published_by', type: 'text' })
  publishedBy: string;

  @Column({ name: 'idempotency_key', type: 'text', nullable: true })
  idempotencyKey: string | null;

  @Column({ name: 'received_at', type: 'timestamptz' })
  receivedAt: Date;

  @Column({ name: 'stream_seq', type: 'bigint' })
  streamSeq: string;

  @Column({ name: 'stored_at', type: 'timestamptz', insert: false, update: false })
  storedAt: Date;
}
