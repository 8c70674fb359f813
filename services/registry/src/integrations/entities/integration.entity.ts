import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { IntegrationAction, IntegrationMethod, IntegrationPage } from '@hookline/contracts';

/** A custom integration (table integrations, owned by registry). Its salt and header values live in the signer only. */
@Entity({ name: 'integrations' })
export class Integration {
  @PrimaryColumn({ name: 'tenant_id', type: 'text' })
  tenantId: string;

  @PrimaryColumn('uuid')
  id: string;

  @Column({ type: 'text' })
  name: string;

  @Column({ type: 'text' })
  page: IntegrationPage;

  @Column({ type: 'text' })
  action: IntegrationAction;

  @Column({ type: 'text' })
  method: IntegrationMethod;

  @Column({ type: 'text' })
  url: string;

  @Column({ name: 'parameter_name', type: 'text' })
  parameterName: string;

  @Column({ type: 'boolean' })
  enabled: boolean;

  @Column({ name: 'verification_hash', type: 'boolean' })
  verification: boolean;

  /** Whether the signer holds a salt (never the salt). */
  @Column({ name: 'verification_salt_set', type: 'boolean' })
  verificationConfigured: boolean;

  @Column({ name: 'header_names', type: 'text', array: true })
  headerNames: string[];

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
