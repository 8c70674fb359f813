// Inbound webhook listeners (seed: webhook-listeners.txt): their settings, tokens,
// signature secrets (in the signer) and tables. Every write goes through the change log,
// so webhook-listener (which follows the registry stream) and the audit log see it; a
// structure's tables are created or migrated in the same transaction as the change that
// records them.
import { Injectable } from '@nestjs/common';
import { actorOf, type Principal } from '@hookline/auth';
import {
  LISTENER_CHANGE_KINDS,
  listenerCredentialId,
  listenerTopic,
  SIGNER_SUBJECTS,
  tenantSchema,
  uuidv7,
  UUID_RE,
  type InboundHmacSpec,
  type ListenerDedup,
  type ListenerScript,
  type ListenerSignature,
  type ListenerStructure,
  type ListenerView,
  type RpcReply,
} from '@hookline/contracts';
import { authorize, capProblems, ConflictError, DomainError, NotFoundError, ServiceUnavailableError, tenantScope, ValidationError, type FieldProblem, nothingToChange } from '@hookline/http';
import {
  describeOp,
  dropTablesSql,
  generateStructure,
  mergeStructures,
  migrationSql,
  planMigration,
  TableInputError,
  validateStructure,
  type MigrationOp,
} from '@hookline/listener-tables';
import { NatsRpc } from '@hookline/messaging';
import { ChangeLog, type Tx } from '../outbox/change-log';
import { Page, PageRequest, parsePage, toPage } from '../paging';
import { TenantsRepository } from '../tenants/tenants.repository';
import { TopicsRepository } from '../topics/topics.repository';
import type { ListenerAuthDto, ListenerDedupDto, ListenerScriptDto, ListenerSignatureDto } from './dto/listener.dto';
import { Listener, type StoredAuth } from './entities/listener.entity';
import { WHOLE_TENANT } from './listener-services.service';
import {
  changeState,
  DEFAULT_BODY_DEDUP_SECONDS,
  DEFAULT_KEEP_LOGS,
  DEFAULT_RETENTION_SECONDS,
  DEFAULT_SCRIPT_MEMORY_MB,
  DEFAULT_SCRIPT_TIMEOUT_MS,
  listenerView,
  newToken,
  normalizeLocation,
  parseRetention,
  tokenFields,
} from './listener-settings';
import { ListenersRepository, ListenerTablesRepository } from './listeners.repository';

export interface ListenerInput {
  tenant?: string;
  serviceId: string;
  name: string;
  enabled?: boolean;
  retention?: string;
  auth?: ListenerAuthDto;
  signature?: ListenerSignatureDto | null;
  dedup?: ListenerDedupDto | null;
  bodyDedupSeconds?: number;
  script?: ListenerScriptDto | null;
  keepLogs?: number;
  structure?: ListenerStructure;
}

export type ListenerPatch = Partial<Omit<ListenerInput, 'tenant' | 'serviceId' | 'structure'>>;

/** A listener and what is shown only this once: its token, its generated signing secret. */
export interface ListenerAnswer {
  listener: ListenerView;
  token?: string;
  previousTokenValidUntil?: string;
  signingSecret?: string;
  previousSigningSecretValidUntil?: string;
  /** What accepting a structure did to the tables. */
  migration?: string[];
}

/** A structure change that would lose data or collide: 409, naming the fields. */
export class StructureConflictError extends DomainError {
  constructor(readonly errors: FieldProblem[]) {
    super(409, 'conflict', 'Conflict', errors.map((e) => `${e.field}: ${e.message}`).join('; '), { errors });
  }
}

function publicSignature(s: ListenerSignatureDto): ListenerSignature {
  switch (s.preset) {
    case 'github':
      return { preset: 'github' };
    case 'stripe':
    case 'standard-webhooks':
      return { preset: s.preset, toleranceSeconds: s.toleranceSeconds ?? 300 };
    case 'hmac':
      return { preset: 'hmac', header: (s.header ?? 'X-Signature').toLowerCase(), algorithm: s.algorithm ?? 'sha256', encoding: s.encoding ?? 'hex', prefix: s.prefix ?? '' };
  }
}

function credentialSpec(sig: ListenerSignature, secret?: string): InboundHmacSpec {
  return {
    scheme: 'inbound-hmac',
    preset: sig.preset,
    ...(secret !== undefined ? { secret } : {}),
    ...(sig.preset === 'hmac' ? { header: sig.header, algorithm: sig.algorithm, encoding: sig.encoding, prefix: sig.prefix } : {}),
    ...(sig.toleranceSeconds !== undefined ? { toleranceSeconds: sig.toleranceSeconds } : {}),
  };
}

function dedupOf(d: ListenerDedupDto): ListenerDedup {
  if ((d.header === undefined) === (d.bodyField === undefined)) throw new ValidationError([{ field: 'dedup', message: 'give exactly one of header or bodyField' }]);
  return d.header !== undefined ? { header: d.header.toLowerCase() } : { bodyField: d.bodyField as string };
}

function scriptOf(s: ListenerScriptDto): ListenerScript {
  return { source: s.source, timeoutMs: s.timeoutMs ?? DEFAULT_SCRIPT_TIMEOUT_MS, memoryMb: s.memoryMb ?? DEFAULT_SCRIPT_MEMORY_MB };
}

function retentionOf(r: string): number {
  const s = parseRetention(r);
  if (s === undefined) throw new ValidationError([{ field: 'retention', message: 'must be a duration such as 30d, 12h, 90m or 45s (1 second to 3650 days)' }]);
  return s;
}

function authOf(a: ListenerAuthDto): StoredAuth {
  return a.method === 'none' ? { method: 'none' } : { method: 'token', location: normalizeLocation(a.location as NonNullable<ListenerAuthDto['location']>) };
}

const PG_DUPLICATE = new Set(['42P07', '42701', '42P06']);

@Injectable()
export class ListenersService {
  constructor(
    private readonly repo: ListenersRepository,
    private readonly tables: ListenerTablesRepository,
    private readonly topics: TopicsRepository,
    private readonly tenants: TenantsRepository,
    private readonly changes: ChangeLog,
    private readonly rpc: NatsRpc,
  ) {}

  async create(p: Principal, input: ListenerInput): Promise<ListenerAnswer> {
    const tenantId = tenantScope(p, input.tenant);
    authorize(p, 'listeners:write', {}, WHOLE_TENANT);
    if (!(await this.tenants.find(tenantId))) throw new NotFoundError(`tenant ${tenantId}`);
    if (!(await this.repo.findService(tenantId, input.serviceId))) throw new ValidationError([{ field: 'serviceId', message: `no listener service ${input.serviceId} in this tenant (POST /v1/listener-services)` }]);
    const auth = authOf(input.auth ?? { method: 'none' });
    const signature = input.signature ? publicSignature(input.signature) : null;
    const dedup = input.dedup ? dedupOf(input.dedup) : null;
    if (input.structure) this.checkStructure(input.structure);
    const id = uuidv7();
    // The secret goes to the signer first: a listener never exists without its credential.
    const issued = signature ? await this.issue(tenantId, id, credentialSpec(signature, input.signature?.secret)) : undefined;
    const token = auth.method === 'token' ? newToken() : undefined;
    try {
      const { view, migration } = await this.changes.transaction(async (tx) => {
        if (await this.repo.findByName(tenantId, input.name, tx.em)) throw new ConflictError(`a listener named ${input.name} already exists`);
        const l: Listener = {
          tenantId,
          id,
          serviceId: input.serviceId,
          name: input.name,
          enabled: input.enabled ?? true,
          retentionSeconds: input.retention ? retentionOf(input.retention) : DEFAULT_RETENTION_SECONDS,
          auth,
          ...(token ? tokenFields({ tokenDigest: null }, token, tx.now, 0) : { tokenDigest: null, previousTokens: [] }),
          signature,
          dedup,
          bodyDedupSeconds: input.bodyDedupSeconds ?? DEFAULT_BODY_DEDUP_SECONDS,
          script: input.script ? scriptOf(input.script) : null,
          keepLogs: input.keepLogs ?? DEFAULT_KEEP_LOGS,
          structure: null,
          createdAt: tx.now,
          updatedAt: tx.now,
        };
        if (!(await this.repo.insert(tx.em, l))) throw new ConflictError(`a listener named ${input.name} already exists`);
        await this.ensureTopics(tx, p, tenantId, l.name);
        let ops: MigrationOp[] = [];
        if (input.structure) {
          ops = await this.migrate(tx, l, input.structure);
          l.structure = input.structure;
          await this.repo.update(tx.em, tenantId, id, { structure: input.structure });
        }
        await tx.record({ tenantId, entity: 'listener', entityId: id, action: 'created', actor: actorOf(p), before: null, after: { ...changeState(l) }, ...(ops.length ? { detail: { migration: ops.map(describeOp) } } : {}) });
        return { view: listenerView(l), migration: ops.map(describeOp) };
      });
      // A secret the caller gave is not echoed; a generated one is shown this once.
      const generated = issued?.secret && input.signature?.secret === undefined ? issued.secret : undefined;
      return { listener: view, ...(token ? { token } : {}), ...(generated ? { signingSecret: generated } : {}), ...(migration.length ? { migration } : {}) };
    } catch (err) {
      if (issued) await this.rpc.call(SIGNER_SUBJECTS.revokeCredential, { tenantId, credentialId: listenerCredentialId(id) });
      throw err;
    }
  }

  async list(p: Principal, input: PageRequest & { tenant?: string; serviceId?: string; name?: string }): Promise<Page<ListenerView>> {
    const tenantId = tenantScope(p, input.tenant);
    authorize(p, 'listeners:read', {}, WHOLE_TENANT);
    const { limit, after } = parsePage(input, UUID_RE);
    return toPage(await this.repo.list(tenantId, { serviceId: input.serviceId, name: input.name }, limit + 1, after), limit, (l) => l.id, listenerView);
  }

  async get(p: Principal, tenant: string | undefined, id: string): Promise<ListenerView> {
    const tenantId = tenantScope(p, tenant);
    authorize(p, 'listeners:read', {}, WHOLE_TENANT);
    return listenerView(await this.found(tenantId, id));
  }

  async update(p: Principal, tenant: string | undefined, id: string, input: ListenerPatch): Promise<ListenerAnswer> {
    // Here rather than in the controller, so that gRPC's UpdateListener refuses it too.
    if (nothingToChange(input)) throw new ValidationError([{ field: 'body', message: 'give at least one field to change' }]);
    const tenantId = tenantScope(p, tenant);
    authorize(p, 'listeners:write', {}, WHOLE_TENANT);
    const current = await this.found(tenantId, id);
    const signature = input.signature === undefined ? undefined : input.signature === null ? null : publicSignature(input.signature);
    const dedup = input.dedup === undefined ? undefined : input.dedup === null ? null : dedupOf(input.dedup);
    const retentionSeconds = input.retention !== undefined ? retentionOf(input.retention) : undefined;
    if (input.name !== undefined && input.name !== current.name && (await this.repo.findByName(tenantId, input.name))) {
      throw new ConflictError(`a listener named ${input.name} already exists`);
    }
    let issued: { secret?: string } | undefined;
    let revoke = false;
    let token: string | undefined;
    const view = await this.changes.transaction(async (tx) => {
      const l = await this.repo.find(tenantId, id, tx.em, true);
      if (!l) throw new NotFoundError(`listener ${id}`);
      const patch: Partial<Listener> = { updatedAt: tx.now };
      if (input.name !== undefined && input.name !== l.name) {
        if (await this.repo.findByName(tenantId, input.name, tx.em)) throw new ConflictError(`a listener named ${input.name} already exists`);
        patch.name = input.name;
        await this.ensureTopics(tx, p, tenantId, input.name);
      }
      if (input.enabled !== undefined) patch.enabled = input.enabled;
      if (retentionSeconds !== undefined) patch.retentionSeconds = retentionSeconds;
      if (input.auth !== undefined) {
        patch.auth = authOf(input.auth);
        if (patch.auth.method === 'none') Object.assign(patch, { tokenDigest: null, previousTokens: [] });
        else if (l.auth.method === 'none' || l.tokenDigest === null) {
          token = newToken();
          Object.assign(patch, tokenFields({ tokenDigest: null }, token, tx.now, 0));
        }
      }
      if (signature !== undefined) patch.signature = signature;
      if (dedup !== undefined) patch.dedup = dedup;
      if (input.bodyDedupSeconds !== undefined) patch.bodyDedupSeconds = input.bodyDedupSeconds;
      if (input.script !== undefined) patch.script = input.script === null ? null : scriptOf(input.script);
      if (input.keepLogs !== undefined) patch.keepLogs = input.keepLogs;
      await this.repo.update(tx.em, tenantId, id, patch);
      const after = { ...l, ...patch };
      await tx.record({ tenantId, entity: 'listener', entityId: id, action: 'updated', actor: actorOf(p), before: { ...listenerView(l) }, after: { ...changeState(after) } });
      // The secret is replaced last, under the row lock: whatever refuses the change above
      // leaves the old secret as it was, and the signer checks the new one before it
      // destroys the old (one step, see replaceCredential). A removed check's secret is
      // destroyed once the change commits.
      if (signature) issued = await this.replaceCredential(tenantId, id, credentialSpec(signature, input.signature?.secret));
      else if (signature === null && l.signature) revoke = true;
      return listenerView(after);
    });
    if (revoke) await this.rpc.call(SIGNER_SUBJECTS.revokeCredential, { tenantId, credentialId: listenerCredentialId(id) });
    const generated = issued?.secret && input.signature?.secret === undefined ? issued.secret : undefined;
    return { listener: view, ...(token ? { token } : {}), ...(generated ? { signingSecret: generated } : {}) };
  }

  /** A new token, shown once; the previous one stops now or after `overlapSeconds`. */
  async regenerateToken(p: Principal, tenant: string | undefined, id: string, input: { overlapSeconds?: number }): Promise<ListenerAnswer> {
    const tenantId = tenantScope(p, tenant);
    authorize(p, 'listeners:write', {}, WHOLE_TENANT);
    await this.found(tenantId, id);
    const token = newToken();
    return this.changes.transaction(async (tx) => {
      const l = await this.repo.find(tenantId, id, tx.em, true);
      if (!l) throw new NotFoundError(`listener ${id}`);
      if (l.auth.method !== 'token') throw new ConflictError(`listener ${id} uses no token (auth.method is none); set auth.method to token first`);
      const patch = { ...tokenFields(l, token, tx.now, input.overlapSeconds ?? 0), updatedAt: tx.now };
      await this.repo.update(tx.em, tenantId, id, patch);
      const after = { ...l, ...patch };
      // The earlier token's end: the overlap asked for (the newest of the earlier tokens).
      const until = after.previousTokens[0]?.validUntil;
      await tx.record({ tenantId, entity: 'listener', entityId: id, action: 'credentials-reset', actor: actorOf(p), before: null, after: { ...changeState(after) }, detail: { what: 'token', ...(until ? { previousTokenValidUntil: until } : {}) } });
      return { listener: listenerView(after), token, ...(until ? { previousTokenValidUntil: until } : {}) };
    });
  }

  /** A new signature secret (generated unless given); the previous one verifies during the overlap (default 24 h). */
  async rotateSigningSecret(p: Principal, tenant: string | undefined, id: string, input: { secret?: string; overlapSeconds?: number }): Promise<ListenerAnswer> {
    const tenantId = tenantScope(p, tenant);
    authorize(p, 'listeners:write', {}, WHOLE_TENANT);
    await this.found(tenantId, id);
    return this.changes.transaction(async (tx) => {
      // Read under the row lock: the state this change records is what webhook-listener
      // applies, so a copy read before a concurrent change committed would undo it; and the
      // secret is rotated with the signature settings that are current.
      const l = await this.repo.find(tenantId, id, tx.em, true);
      if (!l) throw new NotFoundError(`listener ${id}`);
      if (!l.signature) throw new ConflictError(`listener ${id} checks no signature, so it has no secret to rotate`);
      const reply = await this.rpc.call(SIGNER_SUBJECTS.rotateCredential, {
        tenantId,
        credentialId: listenerCredentialId(id),
        ...(input.secret !== undefined ? { spec: credentialSpec(l.signature, input.secret) } : {}),
        ...(input.overlapSeconds !== undefined ? { overlapSeconds: input.overlapSeconds } : {}),
      });
      const rotated = this.unwrap(reply, 'secret');
      await tx.record({
        tenantId,
        entity: 'listener',
        entityId: id,
        action: 'credentials-reset',
        actor: actorOf(p),
        before: null,
        after: { ...changeState(l) },
        detail: { what: 'signature secret', version: rotated.version, ...(rotated.previousValidUntil ? { previousValidUntil: rotated.previousValidUntil } : {}) },
      });
      return {
        listener: listenerView(l),
        ...(input.secret === undefined && rotated.secret ? { signingSecret: rotated.secret } : {}),
        ...(rotated.previousValidUntil ? { previousSigningSecretValidUntil: rotated.previousValidUntil } : {}),
      };
    });
  }

  /** The proposed structure for a sample (nothing is created); merged with a listener's current one when named. */
  async generateTables(
    p: Principal,
    input: { tenant?: string; sample: unknown; baseName: string; rootPath?: string; primaryKey?: string[]; listenerId?: string },
  ): Promise<{ structure: ListenerStructure; warnings: string[]; sql: string[] }> {
    const tenantId = tenantScope(p, input.tenant);
    authorize(p, 'listeners:write', {}, WHOLE_TENANT);
    const current = input.listenerId ? await this.found(tenantId, input.listenerId) : undefined;
    const taken = await this.takenTableNames(undefined, tenantId, current ?? null);
    try {
      const generated = generateStructure({ sample: input.sample, baseName: input.baseName, rootPath: input.rootPath, primaryKey: input.primaryKey, takenTableNames: taken });
      let { structure } = generated;
      const warnings = [...generated.warnings];
      if (current?.structure) {
        const merged = mergeStructures(current.structure, structure, taken);
        structure = merged.structure;
        warnings.push(...merged.warnings);
      }
      const plan = planMigration(current?.structure ?? null, structure);
      return { structure, warnings, sql: migrationSql(tenantSchema(tenantId), structure, plan.ops) };
    } catch (err) {
      if (err instanceof TableInputError) throw new ValidationError(capProblems(err.problems));
      throw err;
    }
  }

  /** Accepts a structure: creates the tables, or migrates them keeping their data. */
  async putStructure(p: Principal, tenant: string | undefined, id: string, structure: ListenerStructure): Promise<ListenerAnswer> {
    const tenantId = tenantScope(p, tenant);
    authorize(p, 'listeners:write', {}, WHOLE_TENANT);
    await this.found(tenantId, id);
    this.checkStructure(structure);
    return this.changes.transaction(async (tx) => {
      const l = await this.repo.find(tenantId, id, tx.em, true);
      if (!l) throw new NotFoundError(`listener ${id}`);
      const ops = await this.migrate(tx, l, structure);
      const patch = { structure, updatedAt: tx.now };
      await this.repo.update(tx.em, tenantId, id, patch);
      const after = { ...l, ...patch };
      const migration = ops.map(describeOp);
      await tx.record({ tenantId, entity: 'listener', entityId: id, action: 'updated', actor: actorOf(p), before: { ...listenerView(l) }, after: { ...changeState(after) }, detail: { migration } });
      return { listener: listenerView(after), migration };
    });
  }

  /** Deletes the listener and its tables (with their data), and destroys its signature secret. */
  async delete(p: Principal, tenant: string | undefined, id: string): Promise<void> {
    const tenantId = tenantScope(p, tenant);
    authorize(p, 'listeners:write', {}, WHOLE_TENANT);
    await this.found(tenantId, id);
    const had = await this.changes.transaction(async (tx) => {
      const l = await this.repo.find(tenantId, id, tx.em, true);
      if (!l) throw new NotFoundError(`listener ${id}`);
      if (l.structure) {
        const schema = tenantSchema(tenantId);
        await this.tables.lockSchema(tx.em, schema);
        await this.tables.run(tx.em, dropTablesSql(schema, l.structure));
      }
      await this.repo.delete(tx.em, tenantId, id);
      await tx.record({ tenantId, entity: 'listener', entityId: id, action: 'deleted', actor: actorOf(p), before: { ...listenerView(l) }, after: null, ...(l.structure ? { detail: { droppedTables: l.structure.tables.map((t) => t.name) } } : {}) });
      return l;
    });
    if (had.signature) await this.rpc.call(SIGNER_SUBJECTS.revokeCredential, { tenantId, credentialId: listenerCredentialId(id) });
  }

  private async found(tenantId: string, id: string): Promise<Listener> {
    const l = UUID_RE.test(id) ? await this.repo.find(tenantId, id) : null;
    if (!l) throw new NotFoundError(`listener ${id}`);
    return l;
  }

  private checkStructure(structure: ListenerStructure): void {
    const problems = validateStructure(structure, 'structure');
    // A structure of 32 tables of 600 columns can have thousands of problems: the first ones say what to fix.
    if (problems.length > 0) throw new ValidationError(capProblems(problems));
  }

  /** Names the tenant's schema already uses, other than this listener's own tables. */
  private async takenTableNames(tx: Tx | undefined, tenantId: string, l: Listener | null): Promise<string[]> {
    const own = new Set(l?.structure?.tables.map((t) => t.name) ?? []);
    const inSchema = await this.tables.tablesIn(tenantSchema(tenantId), tx?.em);
    const others = await this.repo.tableNamesOfOthers(tenantId, l?.id ?? null, tx?.em);
    return [...new Set([...inSchema.filter((t) => !own.has(t)), ...others])];
  }

  /** Plans and runs the DDL from the listener's current structure to `next`, inside tx. */
  private async migrate(tx: Tx, l: Listener, next: ListenerStructure): Promise<MigrationOp[]> {
    const schema = tenantSchema(l.tenantId);
    await this.tables.lockSchema(tx.em, schema);
    const plan = planMigration(l.structure, next);
    if (plan.conflicts.length > 0) throw new StructureConflictError(capProblems(plan.conflicts));
    const taken = new Set(await this.takenTableNames(tx, l.tenantId, l));
    const clashes: FieldProblem[] = [];
    for (const o of plan.ops) {
      if (o.op === 'create-table' && taken.has(o.table.name)) {
        const i = next.tables.findIndex((t) => t.name === o.table.name);
        clashes.push({ field: `structure.tables[${i}].name`, message: `the tenant's schema already has a table ${o.table.name} (another listener's); choose another base name` });
      }
    }
    if (clashes.length > 0) throw new StructureConflictError(clashes);
    try {
      await this.tables.run(tx.em, migrationSql(schema, next, plan.ops));
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (code && PG_DUPLICATE.has(code)) throw new StructureConflictError([{ field: 'structure', message: (err as Error).message }]);
      throw err;
    }
    return plan.ops;
  }

  /** Listener.<name>.Upserted|Patched|Deleted in the tenant's catalogue, so receivers can subscribe. */
  private async ensureTopics(tx: Tx, p: Principal, tenantId: string, name: string): Promise<void> {
    const what = { Upserted: 'inserted or replaced (POST, PUT)', Patched: 'partly updated (PATCH)', Deleted: 'deleted (DELETE)' } as const;
    for (const kind of LISTENER_CHANGE_KINDS) {
      const topic = { tenantId, name: listenerTopic(name, kind), description: `A record of webhook listener ${name} was ${what[kind]}`, example: null, createdAt: tx.now, updatedAt: tx.now };
      if (await this.topics.insertIfAbsent(tx.em, topic)) {
        await tx.record({
          tenantId,
          entity: 'topic',
          entityId: topic.name,
          action: 'created',
          actor: actorOf(p),
          before: null,
          after: { tenant: tenantId, name: topic.name, description: topic.description, example: null, createdAt: tx.now.toISOString(), updatedAt: tx.now.toISOString() },
        });
      }
    }
  }

  private async issue(tenantId: string, listenerId: string, spec: InboundHmacSpec): Promise<{ secret?: string }> {
    const reply = await this.rpc.call(SIGNER_SUBJECTS.createCredential, { tenantId, credentialId: listenerCredentialId(listenerId), spec, idempotencyKey: listenerId });
    return this.unwrap(reply, 'signature');
  }

  /**
   * A new signature check's secret in place of the old one, in one step: a rotation without
   * overlap, which the signer refuses (keeping the old secret) unless the new spec is
   * valid, and which destroys the old secret in the same transaction. A listener without a
   * secret in the signer gets one created.
   */
  private async replaceCredential(tenantId: string, listenerId: string, spec: InboundHmacSpec): Promise<{ secret?: string }> {
    const reply = await this.rpc.call(SIGNER_SUBJECTS.rotateCredential, { tenantId, credentialId: listenerCredentialId(listenerId), spec, overlapSeconds: 0 });
    if (!reply.ok && reply.error.code === 'not-found') return this.issue(tenantId, listenerId, spec);
    return this.unwrap(reply, 'signature');
  }

  private unwrap<T>(reply: RpcReply<T>, field: string): T {
    if (reply.ok) return reply.result;
    if (reply.error.code === 'invalid-request') throw new ValidationError([{ field, message: reply.error.message }]);
    throw new ServiceUnavailableError(`the signer could not store the secret (${reply.error.code}); try again`, 2);
  }
}
