import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { Grant } from '@hookline/contracts';

/**
 * An API account (service user) of one tenant (table accounts, owned by registry). The
 * API token is kept only as a scrypt hash behind its public lookup id; the TOTP secret
 * only sealed with AES-256-GCM under HOOKLINE_ENCRYPTION_KEY, bound to the account id.
 */
@Entity({ name: 'accounts' })
export class Account {
  @PrimaryColumn('uuid')
  id: string;

  @Column({ name: 'tenant_id', type: 'text' })
  tenantId: string;

  @Column({ type: 'text' })
  name: string;

  @Column({ type: 'text', nullable: true })
  description: string | null;

  @Column({ type: 'boolean' })
  enabled: boolean;

  @Column({ type: 'jsonb' })
  grants: Grant[];

  @Column({ name: 'token_id', type: 'text' })
  tokenId: string;

  @Column({ name: 'token_hash', type: 'text' })
  tokenHash: string;

  @Column({ name: 'totp_secret_sealed', type: 'text' })
  totpSecretSealed: string;

  /** The TOTP time step of the last code accepted: no code of that step or earlier works again. */
  @Column({ name: 'totp_last_step', type: 'bigint', nullable: true })
  totpLastStep: string | null;

  /** Access tokens issued before this (in whole seconds) are no longer accepted. */
  @Column({ name: 'credentials_issued_at', type: 'timestamptz' })
  credentialsIssuedAt: Date;

  @Column({ name: 'last_login_at', type: 'timestamptz', nullable: true })
  lastLoginAt: Date | null;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
