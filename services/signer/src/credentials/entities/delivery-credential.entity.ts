import { Column, Entity, PrimaryColumn } from 'typeorm';

/** One version of a delivery secret (table delivery_credentials, owned by signer). */
@Entity({ name: 'delivery_credentials' })
export class DeliveryCredential {
  @PrimaryColumn({ name: 'tenant_id', type: 'text' })
  tenantId: string;

  @PrimaryColumn({ name: 'credential_id', type: 'text' })
  credentialId: string;

  @PrimaryColumn({ type: 'integer' })
  version: number;

  @Column({ type: 'text' })
  scheme: string;

  /** Non-secret parameters (algorithm, token URL, client id, header names...). */
  @Column({ type: 'jsonb' })
  params: Record<string, string | string[]>;

  /** The secret, sealed (AES-256-GCM) and bound to tenant, credential and version. */
  @Column({ name: 'sealed_secret', type: 'text' })
  sealedSecret: string;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  /** Set when superseded: the version signs until then. */
  @Column({ name: 'valid_until', type: 'timestamptz', nullable: true })
  validUntil: Date | null;

  @Column({ name: 'idempotency_key', type: 'text', nullable: true })
  idempotencyKey: string | null;
}
