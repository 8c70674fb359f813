// oidc-provider's models in PostgreSQL (table oidc_payloads): one row per model instance,
// keyed by the SHA-256 of its id, with the payload sealed (OidcStore does both). The
// columns beside it are what the adapter interface looks rows up by.
import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';

export interface StoredPayload {
  payloadSealed: string;
  consumedAt: Date | null;
}

export interface PayloadRow {
  model: string;
  idHash: string;
  payloadSealed: string;
  clientId: string | null;
  grantId: string | null;
  uid: string | null;
  expiresAt: Date | null;
}

@Injectable()
export class OidcStoreRepository {
  constructor(private readonly dataSource: DataSource) {}

  private q(em?: EntityManager) {
    return em ?? this.dataSource.manager;
  }

  async upsert(r: PayloadRow, em?: EntityManager): Promise<void> {
    await this.q(em).query(
      `INSERT INTO oidc_payloads (model, id_hash, payload_sealed, client_id, grant_id, uid, expires_at, consumed_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, NULL)
       ON CONFLICT (model, id_hash) DO UPDATE SET payload_sealed = EXCLUDED.payload_sealed, client_id = EXCLUDED.client_id,
         grant_id = EXCLUDED.grant_id, uid = EXCLUDED.uid, expires_at = EXCLUDED.expires_at`,
      [r.model, r.idHash, r.payloadSealed, r.clientId, r.grantId, r.uid, r.expiresAt],
    );
  }

  async find(model: string, idHash: string): Promise<StoredPayload | undefined> {
    const rows: { payload_sealed: string; consumed_at: Date | null }[] = await this.q().query(
      'SELECT payload_sealed, consumed_at FROM oidc_payloads WHERE model = $1 AND id_hash = $2 AND (expires_at IS NULL OR expires_at > now())',
      [model, idHash],
    );
    return rows[0] ? { payloadSealed: rows[0].payload_sealed, consumedAt: rows[0].consumed_at } : undefined;
  }

  async findByUid(model: string, uid: string): Promise<(StoredPayload & { idHash: string }) | undefined> {
    const rows: { id_hash: string; payload_sealed: string; consumed_at: Date | null }[] = await this.q().query(
      'SELECT id_hash, payload_sealed, consumed_at FROM oidc_payloads WHERE model = $1 AND uid = $2 AND (expires_at IS NULL OR expires_at > now())',
      [model, uid],
    );
    return rows[0] ? { idHash: rows[0].id_hash, payloadSealed: rows[0].payload_sealed, consumedAt: rows[0].consumed_at } : undefined;
  }

  async consume(model: string, idHash: string): Promise<void> {
    await this.q().query('UPDATE oidc_payloads SET consumed_at = now() WHERE model = $1 AND id_hash = $2', [model, idHash]);
  }

  async destroy(model: string, idHash: string, em?: EntityManager): Promise<void> {
    await this.q(em).query('DELETE FROM oidc_payloads WHERE model = $1 AND id_hash = $2', [model, idHash]);
  }

  async revokeByGrantId(grantId: string): Promise<void> {
    await this.q().query('DELETE FROM oidc_payloads WHERE grant_id = $1', [grantId]);
  }

  /** Everything of a client (itself, its grants, codes and tokens): an uninstalled app's access ends here. */
  async deleteClient(clientId: string, clientIdHash: string, em?: EntityManager): Promise<void> {
    await this.q(em).query(`DELETE FROM oidc_payloads WHERE client_id = $1 OR (model = 'Client' AND id_hash = $2)`, [clientId, clientIdHash]);
  }

  async purgeExpired(before: Date): Promise<number> {
    const r: [unknown[], number] = await this.q().query('DELETE FROM oidc_payloads WHERE expires_at < $1', [before]);
    return r[1] ?? 0;
  }
}
