import { Column, Entity, PrimaryColumn } from 'typeorm';

/** A department, region or other unit in a tenant's tree (table units, owned by registry). */
@Entity({ name: 'units' })
export class Unit {
  @PrimaryColumn({ name: 'tenant_id', type: 'text' })
  tenantId: string;

  /** The host application's own id for the unit (it appears in host events as object.unit). */
  @PrimaryColumn('text')
  id: string;

  @Column({ type: 'text' })
  name: string;

  @Column({ name: 'parent_id', type: 'text', nullable: true })
  parentId: string | null;

  /** From the root down to this unit itself. */
  @Column({ type: 'text', array: true })
  path: string[];

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
