import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { ListenerDedup, ListenerScript, ListenerSignature, ListenerStructure, TokenLocation } from '@hookline/contracts';

/** How a listener authenticates requests (non-secret part; the token is kept as its digest). */
export type StoredAuth = { method: 'none' } | { method: 'token'; location: TokenLocation };

/** An inbound webhook listener (table listeners, owned by registry). */
/** An earlier token still inside a regeneration's overlap: its digest, and when it stops opening the listener (ISO). */
export interface PreviousToken {
  digest: string;
  validUntil: string;
}

@Entity({ name: 'listeners' })
export class Listener {
  @PrimaryColumn({ name: 'tenant_id', type: 'text' })
  tenantId: string;

  @PrimaryColumn('uuid')
  id: string;

  @Column({ name: 'service_id', type: 'uuid' })
  serviceId: string;

  @Column({ type: 'text' })
  name: string;

  @Column({ type: 'boolean' })
  enabled: boolean;

  @Column({ name: 'retention_seconds', type: 'integer' })
  retentionSeconds: number;

  @Column({ type: 'jsonb' })
  auth: StoredAuth;

  /** SHA-256 (hex) of the current token; the token itself is shown once and never stored. */
  @Column({ name: 'token_digest', type: 'text', nullable: true })
  tokenDigest: string | null;

  /** The earlier tokens, each open until the end of the regeneration overlap it got (newest first; listener-settings.ts). */
  @Column({ name: 'previous_tokens', type: 'jsonb', default: () => "'[]'::jsonb" })
  previousTokens: PreviousToken[];

  /** Non-secret parameters; the secret is in the signer. */
  @Column({ type: 'jsonb', nullable: true })
  signature: ListenerSignature | null;

  @Column({ type: 'jsonb', nullable: true })
  dedup: ListenerDedup | null;

  @Column({ name: 'body_dedup_seconds', type: 'integer' })
  bodyDedupSeconds: number;

  @Column({ type: 'jsonb', nullable: true })
  script: ListenerScript | null;

  @Column({ name: 'keep_logs', type: 'integer' })
  keepLogs: number;

  @Column({ type: 'jsonb', nullable: true })
  structure: ListenerStructure | null;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
