import { Column, Entity, PrimaryColumn } from 'typeorm';

/** A person of the host application, mirrored so it can be impersonated and named in logs (table users, owned by registry). */
@Entity({ name: 'users' })
export class User {
  @PrimaryColumn({ name: 'tenant_id', type: 'text' })
  tenantId: string;

  /** The host application's id for the user. */
  @PrimaryColumn('text')
  id: string;

  @Column({ name: 'display_name', type: 'text' })
  displayName: string;

  /** The user may see every unit of the tenant. */
  @Column({ name: 'all_units', type: 'boolean' })
  allUnits: boolean;

  /** Otherwise: these units, each with everything below it. */
  @Column({ type: 'text', array: true })
  units: string[];

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
