import { Column, Entity, PrimaryColumn } from 'typeorm';

/** The unit id of the global flag ("*" is never a unit id). */
export const GLOBAL_FLAG_UNIT = '*';

/** An explicit enable flag of a notification type, global or for one unit (table push_flags, owned by registry). */
@Entity({ name: 'push_flags' })
export class PushFlag {
  @PrimaryColumn({ name: 'tenant_id', type: 'text' })
  tenantId: string;

  @PrimaryColumn('text')
  type: string;

  /** A unit id, or GLOBAL_FLAG_UNIT. */
  @PrimaryColumn({ name: 'unit_id', type: 'text' })
  unitId: string;

  @Column({ type: 'boolean' })
  enabled: boolean;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
