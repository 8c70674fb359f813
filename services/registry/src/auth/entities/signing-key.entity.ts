import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { PublicJwk } from '@hookline/auth';

/** An access-token signing key (table auth_signing_keys; written by registry, public half read by every service). */
@Entity({ name: 'auth_signing_keys' })
export class SigningKey {
  @PrimaryColumn('text')
  kid: string;

  @Column({ type: 'text' })
  alg: string;

  @Column({ name: 'public_jwk', type: 'jsonb' })
  publicJwk: PublicJwk;

  /** PKCS#8, sealed with AES-256-GCM under HOOKLINE_ENCRYPTION_KEY and bound to the kid. */
  @Column({ name: 'private_key_sealed', type: 'text' })
  privateKeySealed: string;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  /** Left in the key set until then, so tokens it signed keep verifying until they expire. */
  @Column({ name: 'retired_at', type: 'timestamptz', nullable: true })
  retiredAt: Date | null;
}
