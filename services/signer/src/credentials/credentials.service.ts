// Creating, rotating, revoking and reading delivery credentials. Secrets are sealed
// (AES-256-GCM under HOOKLINE_ENCRYPTION_KEY) before they reach the database and
// opened only here; decrypted credentials are kept in memory briefly so signing does
// not cost a database read per delivery.
import { Inject, Injectable } from '@nestjs/common';
import { open, seal } from '@hookline/auth';
import { CONFIG } from '@hookline/config';
import type {
  CreateCredentialRequest,
  CredentialDescription,
  CredentialIssued,
  CredentialRevoked,
  CredentialRotated,
  CredentialScheme,
  DescribeCredentialRequest,
  RevokeCredentialRequest,
  RotateCredentialRequest,
} from '@hookline/contracts';
import type { SignerConfig } from '../config';
import { generatedSpec, isHmacScheme, splitSpec, type CredentialParams } from './credential-spec';
import { CredentialsRepository, type NewVersion } from './credentials.repository';
import type { DeliveryCredential } from './entities/delivery-credential.entity';

export class CredentialNotFoundError extends Error {
  constructor(tenantId: string, credentialId: string) {
    super(`credential ${credentialId} of tenant ${tenantId} was not found`);
    this.name = 'CredentialNotFoundError';
  }
}

export class CredentialConflictError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CredentialConflictError';
  }
}

/** A decrypted, live version. */
export interface OpenVersion {
  version: number;
  secret: string;
  createdAt: Date;
  validUntil: Date | null;
}

/** What signing needs: the scheme, its parameters and every live version, newest first. */
export interface CredentialMaterial {
  tenantId: string;
  credentialId: string;
  scheme: CredentialScheme;
  params: CredentialParams;
  versions: OpenVersion[];
}

interface CacheEntry {
  material: CredentialMaterial;
  /** When the entry must be read again: the cache period, or sooner when a version's overlap ends. */
  staleAt: number;
}

const aad = (tenantId: string, credentialId: string, version: number) => `delivery-credential:${tenantId}:${credentialId}:${version}`;
const key = (tenantId: string, credentialId: string) => `${tenantId}\u0000${credentialId}`;

@Injectable()
export class CredentialsService {
  private readonly cache = new Map<string, CacheEntry>();
  /** One database read per credential however many signing requests wait for it. */
  private readonly loading = new Map<string, Promise<CredentialMaterial | undefined>>();
  private readonly listeners: ((tenantId: string, credentialId: string) => void)[] = [];

  constructor(
    private readonly repo: CredentialsRepository,
    @Inject(CONFIG) private readonly config: SignerConfig,
  ) {}

  /** Called when a credential changed (here or on another instance). */
  onChange(listener: (tenantId: string, credentialId: string) => void): void {
    this.listeners.push(listener);
  }

  forget(tenantId: string, credentialId: string): void {
    const k = key(tenantId, credentialId);
    this.cache.delete(k);
    // A read already on its way may hold the rows from before the change: later requests
    // must not wait for it, and what it returns must not go back into the cache.
    this.loading.delete(k);
    for (const l of this.listeners) l(tenantId, credentialId);
  }

  private newVersion(tenantId: string, credentialId: string, scheme: string, params: CredentialParams, secret: string): NewVersion {
    return { scheme, params, seal: (version) => seal(this.config.encryptionKey, secret, aad(tenantId, credentialId, version)) };
  }

  private openSecret(row: DeliveryCredential): string {
    return open(this.config.encryptionKey, row.sealedSecret, aad(row.tenantId, row.credentialId, row.version)).toString('utf8');
  }

  async create(req: CreateCredentialRequest): Promise<CredentialIssued> {
    const split = splitSpec(req.spec);
    const created = await this.repo.insertFirst(req.tenantId, req.credentialId, this.newVersion(req.tenantId, req.credentialId, split.scheme, split.params, split.secret), req.idempotencyKey);
    if (created) {
      this.forget(req.tenantId, req.credentialId);
      return issued(created, isHmacScheme(split.scheme) ? split.secret : undefined);
    }
    // A retried create (same idempotency key) gets the first answer again, secret included.
    const first = await this.repo.first(req.tenantId, req.credentialId);
    if (first && req.idempotencyKey !== undefined && first.idempotencyKey === req.idempotencyKey && first.scheme === split.scheme) {
      return issued(first, isHmacScheme(first.scheme) ? this.openSecret(first) : undefined);
    }
    throw new CredentialConflictError(`credential ${req.credentialId} already exists; rotate it instead`);
  }

  async rotate(req: RotateCredentialRequest): Promise<CredentialRotated> {
    const current = await this.repo.versions(req.tenantId, req.credentialId);
    if (current.length === 0) throw new CredentialNotFoundError(req.tenantId, req.credentialId);
    const scheme = current[0].scheme as CredentialScheme;
    const spec = req.spec ?? generatedSpec(scheme, current[0].params);
    if (!spec) throw new CredentialConflictError(`a ${scheme} credential is rotated by giving its new value`);
    if (spec.scheme !== scheme) throw new CredentialConflictError(`credential ${req.credentialId} is ${scheme}; it cannot be rotated to ${spec.scheme}`);
    const split = splitSpec(spec);
    // Only HMAC receivers can hold two secrets at once; other schemes switch now.
    const overlapMs = isHmacScheme(scheme) ? (req.overlapSeconds !== undefined ? req.overlapSeconds * 1000 : this.config.rotationOverlapMs) : 0;
    const result = await this.repo.addVersion(
      req.tenantId,
      req.credentialId,
      this.newVersion(req.tenantId, req.credentialId, scheme, split.params, split.secret),
      (now) => new Date(now.getTime() + overlapMs),
    );
    if (!result) throw new CredentialNotFoundError(req.tenantId, req.credentialId);
    this.forget(req.tenantId, req.credentialId);
    return {
      ...issued(result.created, isHmacScheme(scheme) ? split.secret : undefined),
      ...(overlapMs > 0 ? { previousValidUntil: result.previousValidUntil.toISOString() } : {}),
    };
  }

  async revoke(req: RevokeCredentialRequest): Promise<CredentialRevoked> {
    const n = await this.repo.deleteAll(req.tenantId, req.credentialId);
    this.forget(req.tenantId, req.credentialId);
    return { revoked: n > 0 };
  }

  async describe(req: DescribeCredentialRequest): Promise<CredentialDescription> {
    const rows = await this.repo.versions(req.tenantId, req.credentialId);
    if (rows.length === 0) throw new CredentialNotFoundError(req.tenantId, req.credentialId);
    return {
      tenantId: req.tenantId,
      credentialId: req.credentialId,
      scheme: rows[0].scheme as CredentialScheme,
      params: rows[0].params,
      versions: rows.map((r) => ({ version: r.version, createdAt: r.createdAt.toISOString(), ...(r.validUntil ? { validUntil: r.validUntil.toISOString() } : {}) })),
    };
  }

  /** The decrypted live versions, from memory when fresh. */
  async material(tenantId: string, credentialId: string, now = Date.now()): Promise<CredentialMaterial> {
    const k = key(tenantId, credentialId);
    const hit = this.cache.get(k);
    if (hit && hit.staleAt > now) return hit.material;
    let pending = this.loading.get(k);
    if (!pending) {
      const read: Promise<CredentialMaterial | undefined> = this.load(tenantId, credentialId, () => this.loading.get(k) === read).finally(() => {
        if (this.loading.get(k) === read) this.loading.delete(k);
      });
      pending = read;
      this.loading.set(k, pending);
    }
    const m = await pending;
    if (!m) throw new CredentialNotFoundError(tenantId, credentialId);
    return m;
  }

  /** Reads and opens the live versions; they are cached only while `current()` (no change was heard since the read began). */
  private async load(tenantId: string, credentialId: string, current: () => boolean): Promise<CredentialMaterial | undefined> {
    const rows = await this.repo.versions(tenantId, credentialId);
    if (!current()) return rows.length === 0 ? undefined : this.materialOf(tenantId, credentialId, rows);
    if (rows.length === 0) {
      this.cache.delete(key(tenantId, credentialId));
      return undefined;
    }
    const material = this.materialOf(tenantId, credentialId, rows);
    const ends = rows.map((r) => r.validUntil?.getTime()).filter((t): t is number => t !== undefined);
    const staleAt = Math.min(Date.now() + this.config.credentialCacheMs, ...ends);
    this.cache.set(key(tenantId, credentialId), { material, staleAt });
    return material;
  }

  private materialOf(tenantId: string, credentialId: string, rows: DeliveryCredential[]): CredentialMaterial {
    return {
      tenantId,
      credentialId,
      scheme: rows[0].scheme as CredentialScheme,
      params: rows[0].params,
      versions: rows.map((r) => ({ version: r.version, secret: this.openSecret(r), createdAt: r.createdAt, validUntil: r.validUntil })),
    };
  }
}

function issued(row: DeliveryCredential, secret: string | undefined): CredentialIssued {
  return {
    tenantId: row.tenantId,
    credentialId: row.credentialId,
    scheme: row.scheme as CredentialScheme,
    version: row.version,
    createdAt: row.createdAt.toISOString(),
    ...(secret !== undefined ? { secret } : {}),
  };
}
