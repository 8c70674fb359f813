import { Column, Entity, PrimaryColumn } from 'typeorm';

/** One notification type of a tenant's catalogue (table push_types, owned by registry). */
@Entity({ name: 'push_types' })
export class PushType {
  @PrimaryColumn({ name: 'tenant_id', type: 'text' })
  tenantId: string;

  @PrimaryColumn('text')
  type: string;

  /** The host event topic that triggers it. */
  @Column({ type: 'text' })
  topic: string;

  @Column({ type: 'text', nullable: true })
  description: string | null;

  @Column({ type: 'jsonb', nullable: true })
  example: object | null;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
