import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * A tenant's push-notification system parameters (table push_settings, owned by
 * registry). notification_jwt is not here: only whether one is set; the signer holds it.
 */
@Entity({ name: 'push_settings' })
export class PushSettings {
  @PrimaryColumn({ name: 'tenant_id', type: 'text' })
  tenantId: string;

  @Column({ name: 'server_url', type: 'text', nullable: true })
  serverUrl: string | null;

  @Column({ name: 'jwt_set', type: 'boolean' })
  jwtSet: boolean;

  @Column({ name: 'days_before', type: 'integer' })
  daysBefore: number;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
