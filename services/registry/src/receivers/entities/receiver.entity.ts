import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { ReceiverAuth } from '@hookline/contracts';

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

  /** Non-secret parameters only (protocol, algorithm, token URL, client id, scope, audience). */
  @Column({ type: 'jsonb' })
  auth: ReceiverAuth;

  @Column({ type: 'boolean' })
  enabled: boolean;

  @Column({ name: 'deleted_at', type: 'timestamptz', nullable: true })
  deletedAt: Date | null;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
