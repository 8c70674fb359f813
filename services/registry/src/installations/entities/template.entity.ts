import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { NotificationChannel, OAuthClientSettings } from '@hookline/contracts';

/**
 * An integration template (table app_templates, owned by registry): the operator's
 * catalogue (owner_tenant NULL) or a tenant's own. Its hookup signing secret lives in the
 * signer only.
 */
@Entity({ name: 'app_templates' })
export class Template {
  @PrimaryColumn('uuid')
  id: string;

  @Column({ name: 'owner_tenant', type: 'text', nullable: true })
  ownerTenant: string | null;

  @Column({ type: 'text' })
  name: string;

  @Column({ type: 'text', nullable: true })
  description: string | null;

  @Column({ type: 'jsonb' })
  channel: NotificationChannel;

  @Column({ type: 'jsonb' })
  oauth: OAuthClientSettings;

  @Column({ type: 'integer' })
  version: number;

  @Column({ name: 'retired_at', type: 'timestamptz', nullable: true })
  retiredAt: Date | null;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
