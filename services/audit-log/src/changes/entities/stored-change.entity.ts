import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { Actor } from '@hookline/contracts';

/** One registry change as the audit log keeps it (table audit_changes, owned by audit-log). */
@Entity({ name: 'audit_changes' })
export class StoredChange {
  @PrimaryColumn('uuid')
  id: string;

  @Column({ name: 'tenant_id', type: 'text' })
  tenantId: string;

  @Column({ type: 'text' })
  entity: string;

  @Column({ name: 'entity_id', type: 'text' })
  entityId: string;

  @Column({ type: 'text' })
  action: string;

  @Column({ type: 'jsonb' })
  actor: Actor;

  @Column({ name: 'actor_kind', type: 'text' })
  actorKind: string;

  @Column({ name: 'actor_account_id', type: 'text', nullable: true })
  actorAccountId: string | null;

  @Column({ name: 'actor_user_id', type: 'text', nullable: true })
  actorUserId: string | null;

  @Column({ type: 'timestamptz' })
  at: Date;

  @Column({ type: 'jsonb', nullable: true })
  before: Record<string, unknown> | null;

  @Column({ type: 'jsonb', nullable: true })
  after: Record<string, unknown> | null;

  @Column({ type: 'jsonb', nullable: true })
  detail: Record<string, unknown> | null;

  @Column({ name: 'stream_seq', type: 'bigint' })
  streamSeq: string;

  @Column({ name: 'stored_at', type: 'timestamptz', insert: false, update: false })
  storedAt: Date;
}
