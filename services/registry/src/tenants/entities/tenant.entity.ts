import { Column, Entity, PrimaryColumn } from 'typeorm';

/** One customer instance of the host application (table tenants, owned by registry). */
@Entity({ name: 'tenants' })
export class Tenant {
  @PrimaryColumn('text')
  id: string;

  @Column({ type: 'text' })
  name: string;

  @Column({ name: 'base_url', type: 'text', nullable: true })
  baseUrl: string | null;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;

  /** The tenant's stable number (provet_id in hookup messages): given by the database's sequence. */
  @Column({ name: 'provet_id', type: 'integer', insert: false, update: false })
  provetId?: number;
}
