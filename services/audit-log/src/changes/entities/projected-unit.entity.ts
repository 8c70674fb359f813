import { Column, Entity, PrimaryColumn } from 'typeorm';

/** The unit tree, projected from registry changes to filter logs by unit (table audit_units, owned by audit-log). */
@Entity({ name: 'audit_units' })
export class ProjectedUnit {
  @PrimaryColumn({ name: 'tenant_id', type: 'text' })
  tenantId: string;

  @PrimaryColumn('text')
  id: string;

  @Column({ type: 'text', array: true })
  path: string[];

  @Column({ type: 'boolean' })
  deleted: boolean;

  /** The stream sequence of the change this row reflects: an older change never overwrites a newer one. */
  @Column({ name: 'stream_seq', type: 'bigint' })
  streamSeq: string;
}
