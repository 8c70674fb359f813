// The sealing half of the provider's storage: ids are kept only as SHA-256 (an
// authorization code, a refresh token or a session cookie is itself a credential) and
// payloads only sealed (AES-256-GCM under HOOKLINE_ENCRYPTION_KEY, bound to model and id),
// so neither the database nor a dump of it holds a client secret or a code. The adapter
// class oidc-provider instantiates per model is made here.
import { createHash } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { open, seal } from '@hookline/auth';
import { CONFIG } from '@hookline/config';
import type { RegistryConfig } from '../config';
import { OidcStoreRepository } from './oidc-store.repository';

export type OidcPayload = Record<string, unknown> & { consumed?: unknown };

export function idHash(id: string): string {
  return createHash('sha256').update(id).digest('base64url');
}

const aad = (model: string, hash: string) => `oidc:${model}:${hash}`;

/** The adapter interface of oidc-provider (https://github.com/panva/node-oidc-provider, example/my_adapter.js). */
export interface OidcAdapter {
  upsert(id: string, payload: OidcPayload, expiresIn?: number): Promise<void>;
  find(id: string): Promise<OidcPayload | undefined>;
  findByUserCode(userCode: string): Promise<OidcPayload | undefined>;
  findByUid(uid: string): Promise<OidcPayload | undefined>;
  consume(id: string): Promise<void>;
  destroy(id: string): Promise<void>;
  revokeByGrantId(grantId: string): Promise<void>;
}

@Injectable()
export class OidcStore {
  constructor(
    private readonly repo: OidcStoreRepository,
    @Inject(CONFIG) private readonly config: RegistryConfig,
  ) {}

  async put(model: string, id: string, payload: OidcPayload, expiresIn: number | undefined, em?: EntityManager): Promise<void> {
    const hash = idHash(id);
    const str = (v: unknown) => (typeof v === 'string' ? v : null);
    await this.repo.upsert(
      {
        model,
        idHash: hash,
        payloadSealed: seal(this.config.encryptionKey, JSON.stringify(payload), aad(model, hash)),
        clientId: model === 'Client' ? null : str(payload.clientId),
        grantId: str(payload.grantId),
        uid: str(payload.uid),
        expiresAt: expiresIn ? new Date(Date.now() + expiresIn * 1000) : null,
      },
      em,
    );
  }

  async get(model: string, id: string): Promise<OidcPayload | undefined> {
    const hash = idHash(id);
    const row = await this.repo.find(model, hash);
    return row ? this.opened(model, hash, row) : undefined;
  }

  private opened(model: string, hash: string, row: { payloadSealed: string; consumedAt: Date | null }): OidcPayload {
    const payload = JSON.parse(open(this.config.encryptionKey, row.payloadSealed, aad(model, hash)).toString('utf8')) as OidcPayload;
    return row.consumedAt ? { ...payload, consumed: Math.floor(row.consumedAt.getTime() / 1000) } : payload;
  }

  async deleteClient(clientId: string, em?: EntityManager): Promise<void> {
    await this.repo.deleteClient(clientId, idHash(clientId), em);
  }

  purgeExpired(before: Date): Promise<number> {
    return this.repo.purgeExpired(before);
  }

  /** The class oidc-provider makes one instance of per model name. */
  adapterClass(): new (model: string) => OidcAdapter {
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- the class below is instantiated by oidc-provider
    const store = this;
    const repo = this.repo;
    return class PostgresAdapter implements OidcAdapter {
      constructor(private readonly model: string) {}
      upsert(id: string, payload: OidcPayload, expiresIn?: number) {
        return store.put(this.model, id, payload, expiresIn);
      }
      find(id: string) {
        return store.get(this.model, id);
      }
      findByUserCode(): Promise<undefined> {
        // The device flow is not enabled.
        return Promise.resolve(undefined);
      }
      async findByUid(uid: string) {
        const row = await repo.findByUid(this.model, uid);
        return row ? store.opened(this.model, row.idHash, row) : undefined;
      }
      consume(id: string) {
        return repo.consume(this.model, idHash(id));
      }
      destroy(id: string) {
        return repo.destroy(this.model, idHash(id));
      }
      revokeByGrantId(grantId: string) {
        return repo.revokeByGrantId(grantId);
      }
    };
  }
}
