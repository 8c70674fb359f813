import { Injectable } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import { DataSource, Repository } from 'typeorm';
import { DeliveryCredential } from './entities/delivery-credential.entity';

export interface NewVersion {
  scheme: string;
  params: Record<string, string | string[]>;
  /** Seals the secret for the version number the row will get (it is part of the binding). */
  seal: (version: number) => string;
}

/** delivery_credentials; every method takes the tenant explicitly. */
@Injectable()
export class CredentialsRepository {
  constructor(
    @InjectRepository(DeliveryCredential) private readonly repo: Repository<DeliveryCredential>,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {}

  /** Inserts version 1; undefined if the credential already exists. */
  async insertFirst(tenantId: string, credentialId: string, next: NewVersion, idempotencyKey: string | undefined): Promise<DeliveryCredential | undefined> {
    const rows = (await this.dataSource.query(
      // Version 1 may be gone after rotations; the credential still exists then.
      `INSERT INTO delivery_credentials (tenant_id, credential_id, version, scheme, params, sealed_secret, idempotency_key)
       SELECT $1, $2, 1, $3, $4, $5, $6
       WHERE NOT EXISTS (SELECT 1 FROM delivery_credentials WHERE tenant_id = $1 AND credential_id = $2)
       ON CONFLICT DO NOTHING
       RETURNING created_at`,
      [tenantId, credentialId, next.scheme, JSON.stringify(next.params), next.seal(1), idempotencyKey ?? null],
    )) as { created_at: Date }[];
    if (rows.length === 0) return undefined;
    return this.repo.create({ tenantId, credentialId, version: 1, scheme: next.scheme, params: next.params, createdAt: rows[0].created_at, validUntil: null, idempotencyKey: idempotencyKey ?? null });
  }

  /** Every live version, newest first (expired ones are left out). */
  async versions(tenantId: string, credentialId: string): Promise<DeliveryCredential[]> {
    return this.repo
      .createQueryBuilder('c')
      .where('c.tenant_id = :tenantId AND c.credential_id = :credentialId', { tenantId, credentialId })
      .andWhere('(c.valid_until IS NULL OR c.valid_until > now())')
      .orderBy('c.version', 'DESC')
      .getMany();
  }

  /**
   * Adds a new version in one transaction, one rotation of a credential at a time: the
   * current one is locked, given its end of validity, and versions whose overlap has
   * ended are deleted with their secrets. Returns undefined when the credential does not exist.
   */
  async addVersion(
    tenantId: string,
    credentialId: string,
    next: NewVersion,
    previousValidUntil: (now: Date) => Date,
  ): Promise<{ created: DeliveryCredential; previousValidUntil: Date } | undefined> {
    return this.dataSource.transaction(async (m) => {
      // Two rotations of one credential at once: the rows the second would lock FOR UPDATE
      // are the ones read before the first committed, so it saw the old version deleted
      // (a rotation without overlap: "not found") or gave the new row the number the first
      // took (a duplicate key). Taken first, this lock makes the second read after the
      // first's commit.
      await m.query(`SELECT pg_advisory_xact_lock(hashtextextended('credential:' || $1 || '/' || $2, 0))`, [tenantId, credentialId]);
      const locked = (await m.query(
        `SELECT version, now() AS now FROM delivery_credentials WHERE tenant_id = $1 AND credential_id = $2 ORDER BY version DESC FOR UPDATE`,
        [tenantId, credentialId],
      )) as { version: number; now: Date }[];
      if (locked.length === 0) return undefined;
      const now = locked[0].now;
      const version = locked[0].version + 1;
      const until = previousValidUntil(now);
      await m.query(`UPDATE delivery_credentials SET valid_until = $4 WHERE tenant_id = $1 AND credential_id = $2 AND version = $3`, [tenantId, credentialId, locked[0].version, until]);
      // Earlier versions still inside their own overlap stop no later than this one.
      await m.query(`UPDATE delivery_credentials SET valid_until = LEAST(valid_until, $4) WHERE tenant_id = $1 AND credential_id = $2 AND version < $3`, [tenantId, credentialId, locked[0].version, until]);
      await m.query(`DELETE FROM delivery_credentials WHERE tenant_id = $1 AND credential_id = $2 AND valid_until <= $3`, [tenantId, credentialId, now]);
      const rows = (await m.query(
        `INSERT INTO delivery_credentials (tenant_id, credential_id, version, scheme, params, sealed_secret) VALUES ($1, $2, $3, $4, $5, $6) RETURNING created_at`,
        [tenantId, credentialId, version, next.scheme, JSON.stringify(next.params), next.seal(version)],
      )) as { created_at: Date }[];
      const created = this.repo.create({ tenantId, credentialId, version, scheme: next.scheme, params: next.params, createdAt: rows[0].created_at, validUntil: null, idempotencyKey: null });
      return { created, previousValidUntil: until };
    });
  }

  /** Deletes every version; returns how many there were. */
  async deleteAll(tenantId: string, credentialId: string): Promise<number> {
    const result = await this.repo.delete({ tenantId, credentialId });
    return result.affected ?? 0;
  }

  /** Version 1 (for an idempotent create's replay), expired or not. */
  async first(tenantId: string, credentialId: string): Promise<DeliveryCredential | null> {
    return this.repo.findOne({ where: { tenantId, credentialId, version: 1 } });
  }
}
