import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { ReceiveScope, ReceiverAuth } from '@hookline/contracts';

/** A webhook receiver (table receivers, owned by registry). Its secret lives in the signer only. */
@Entity({ name: 'receivers' })
export class Receiver {
  @PrimaryColumn({ name: 'tenant_id', type: 'text' })
  tenantId: string;

  @PrimaryColumn('uuid')
  id: string;

  @Column({ type: 'text' })
  name: string;

  @Column({ type: 'text' })
  url: string;

  @Column({ type: 'text', array: true })
  topics: string[];

  @Column({ name: 'account_id', type: 'uuid' })
  accountId: string;

  /**
   * What its registrant could receive itself (webhooks:receive, limited to the topics),
   * recorded when the receiver was registered or its account, topics or URL last changed;
   * fan-out applies it besides the receiving account's grants. null: the operator, no bound.
   */
  @Column({ name: 'receive_bound', type: 'jsonb', nullable: true })
  receiveBound: ReceiveScope[] | null;

  /** Non-secret parameters only (protocol, algorithm, token URL, client id, scope, audience). */
  @Column({ type: 'jsonb' })
  auth: ReceiverAuth;

  @Column({ type: 'boolean' })
  enabled: boolean;

  @Column({ name: 'deleted_at', type: 'timestamptz', nullable: true })
  deletedAt: Date | null;

  /** When a deleted receiver's secret was destroyed in the signer (the restore window ended); null while it can be restored. */
  @Column({ name: 'secret_destroyed_at', type: 'timestamptz', nullable: true })
  secretDestroyedAt?: Date | null;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
