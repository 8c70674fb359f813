import { Column, Entity, PrimaryColumn } from 'typeorm';

/** A group of inbound listeners, one per integration (table listener_services, owned by registry). */
@Entity({ name: 'listener_services' })
export class ListenerService {
  @PrimaryColumn({ name: 'tenant_id', type: 'text' })
  tenantId: string;

  @PrimaryColumn('uuid')
  id: string;

  @Column({ type: 'text' })
  name: string;

  @Column({ type: 'text', nullable: true })
  description: string | null;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
