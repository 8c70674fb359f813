import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { NotificationChannel, OAuthClientSettings } from '@hookline/contracts';

/**
 * A template installed by a tenant (table app_installations, owned by registry). Its id is
 * the OAuth client id in the provider; the client secret is sealed in the provider's store
 * and held by the signer, never here.
 */
@Entity({ name: 'app_installations' })
export class Installation {
  @PrimaryColumn({ name: 'tenant_id', type: 'text' })
  tenantId: string;

  @PrimaryColumn('uuid')
  id: string;

  @Column({ name: 'template_id', type: 'uuid' })
  templateId: string;

  @Column({ name: 'template_version', type: 'integer' })
  templateVersion: number;

  @Column({ name: 'template_name', type: 'text' })
  templateName: string;

  /** Who holds the template's signing secret: its owner tenant or CATALOGUE_TENANT. */
  @Column({ name: 'template_owner', type: 'text' })
  templateOwner: string;

  /** The template's OAuth settings when installed (later edits of the template leave them). */
  @Column({ type: 'jsonb' })
  oauth: OAuthClientSettings;

  @Column({ type: 'jsonb' })
  channel: NotificationChannel;

  /** Unit ids where the integration is enabled. */
  @Column({ type: 'text', array: true })
  departments: string[];

  @Column({ type: 'text' })
  status: 'active' | 'uninstalled';

  @Column({ name: 'secret_version', type: 'integer' })
  secretVersion: number;

  /** Notifications made so far: numbers each one, so its delivery id is stable. */
  @Column({ type: 'integer' })
  notifications: number;

  @Column({ name: 'uninstalled_at', type: 'timestamptz', nullable: true })
  uninstalledAt: Date | null;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
