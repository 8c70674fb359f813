// Signs access tokens with the current Ed25519 key. Keys live in auth_signing_keys (the
// private half sealed under HOOKLINE_ENCRYPTION_KEY), so every registry instance and
// every restart signs with, and every service verifies against, the same keys. A key
// is replaced after HOOKLINE_SIGNING_KEY_ROTATION and stays published while tokens it
// signed may still be alive.
import { Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { ACCESS_TOKEN_ALG, generateSigningKeyPair, open, seal, signAccessToken, type AccessTokenSubject, type IssuedAccessToken } from '@hookline/auth';
import { CONFIG } from '@hookline/config';
import { LOGGER, Logger } from '@hookline/observability';
import type { RegistryConfig } from '../config';
import { SigningKey } from './entities/signing-key.entity';
import { SigningKeysRepository } from './signing-keys.repository';

export function signingKeyAad(kid: string): string {
  return `signing-key:${kid}`;
}

interface LoadedKey {
  kid: string;
  privateKeyPem: string;
  createdAt: number;
}

@Injectable()
export class TokenIssuer implements OnApplicationBootstrap {
  private cached?: LoadedKey;

  constructor(
    private readonly keys: SigningKeysRepository,
    @Inject(CONFIG) private readonly config: RegistryConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  /** A fresh installation publishes its first key before anyone logs in. */
  async onApplicationBootstrap(): Promise<void> {
    await this.signingKey();
  }

  async issue(subject: AccessTokenSubject, ttlSeconds: number): Promise<IssuedAccessToken> {
    return signAccessToken(subject, await this.signingKey(), { ttlSeconds });
  }

  private fresh(k: { createdAt: number } | undefined): boolean {
    return !!k && Date.now() - k.createdAt < this.config.signingKeyRotationMs;
  }

  private async signingKey(): Promise<LoadedKey> {
    if (this.cached && this.fresh(this.cached)) return this.cached;
    let row = await this.keys.current();
    if (!row || !this.fresh({ createdAt: row.createdAt.getTime() })) {
      row = await this.keys.withLock(async (em) => {
        const again = await this.keys.current(em);
        if (again && this.fresh({ createdAt: again.createdAt.getTime() })) return again;
        const pair = generateSigningKeyPair();
        const key: SigningKey = {
          kid: pair.kid,
          alg: ACCESS_TOKEN_ALG,
          publicJwk: pair.publicJwk,
          privateKeySealed: seal(this.config.encryptionKey, pair.privateKeyPem, signingKeyAad(pair.kid)),
          createdAt: new Date(),
          retiredAt: null,
        };
        await this.keys.insert(em, key);
        // The old key keeps verifying until every token it signed has expired.
        await this.keys.retireAllBut(em, key.kid, new Date(Date.now() + this.config.accessTokenTtlMs + 3_600_000));
        this.logger.info({ kid: key.kid }, 'new access-token signing key');
        return key;
      });
    }
    this.cached = { kid: row.kid, privateKeyPem: open(this.config.encryptionKey, row.privateKeySealed, signingKeyAad(row.kid)).toString('utf8'), createdAt: row.createdAt.getTime() };
    return this.cached;
  }
}
