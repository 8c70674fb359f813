import { Injectable } from '@nestjs/common';
import { actorOf, describeGap, mayDelegate, topicMatches, unitsNamed, type Principal } from '@hookline/auth';
import {
  SIGNER_SUBJECTS,
  uuidv7,
  UUID_RE,
  type CredentialSpec,
  type ReceiveScope,
  type ReceiverAuth,
  type ReceiverView,
  type RpcReply,
} from '@hookline/contracts';
import { EgressClient } from '@hookline/egress';
import { ConflictError, FieldProblem, ForbiddenError, NotFoundError, ServiceUnavailableError, tenantScope, ValidationError } from '@hookline/http';
import { NatsRpc } from '@hookline/messaging';
import { AccountsRepository } from '../accounts/accounts.repository';
import { Account } from '../accounts/entities/account.entity';
import { ChangeLog } from '../outbox/change-log';
import { Page, PageRequest, parsePage, toPage } from '../paging';
import { TenantsRepository } from '../tenants/tenants.repository';
import { TopicsRepository } from '../topics/topics.repository';
import { UnitsRepository } from '../units/units.repository';
import type { ReceiverAuthDto } from './dto/receiver.dto';
import { Receiver } from './entities/receiver.entity';
import { canSeeReceiver, topicsNotWritable } from './receiver-access';
import { ownSecretProblem, topicPatternProblem, urlCredentialsProblem } from './receiver-input-check';
import { receiverView, ReceiversRepository } from './receivers.repository';

export interface ReceiverInput {
  tenant?: string;
  name: string;
  url: string;
  topics: string[];
  accountId: string;
  auth: ReceiverAuthDto;
  enabled?: boolean;
}

export type ReceiverPatch = Partial<Omit<ReceiverInput, 'tenant'>>;

/** The created receiver, and its secret: shown this once, never again. */
export interface ReceiverWithSecret {
  receiver: ReceiverView;
  secret?: string;
  previousSecretValidUntil?: string;
}

/** The signer keeps each receiver's secret under this id (the dispatcher asks for it by the same). */
export function credentialIdOf(receiverId: string): string {
  return `receiver:${receiverId}`;
}

function publicAuth(a: ReceiverAuthDto): ReceiverAuth {
  switch (a.protocol) {
    case 'none':
      return { protocol: 'none' };
    case 'websub':
      return { protocol: 'websub', algorithm: a.algorithm ?? 'sha256' };
    case 'standard-webhooks':
      return { protocol: 'standard-webhooks' };
    case 'oauth2':
      return { protocol: 'oauth2', tokenUrl: a.tokenUrl ?? '', clientId: a.clientId ?? '', ...(a.scope ? { scope: a.scope } : {}), ...(a.audience ? { audience: a.audience } : {}) };
  }
}

function credentialSpec(a: ReceiverAuthDto): CredentialSpec | undefined {
  switch (a.protocol) {
    case 'none':
      return undefined;
    case 'websub':
      return { scheme: 'websub', algorithm: a.algorithm ?? 'sha256', ...(a.secret ? { secret: a.secret } : {}) };
    case 'standard-webhooks':
      return { scheme: 'standard-webhooks', ...(a.secret ? { secret: a.secret } : {}) };
    case 'oauth2':
      return {
        scheme: 'oauth2',
        tokenUrl: a.tokenUrl ?? '',
        clientId: a.clientId ?? '',
        clientSecret: a.clientSecret ?? '',
        ...(a.scope ? { scope: a.scope } : {}),
        ...(a.audience ? { audience: a.audience } : {}),
      };
  }
}

/** A malformed pattern is a 400 before any permission is looked at, as the DTO's own checks are. */
function checkTopicPatterns(topics: readonly string[] | undefined): void {
  const problem = topicPatternProblem(topics);
  if (problem) throw new ValidationError([problem]);
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  const x = new Set(a);
  const y = new Set(b);
  return x.size === y.size && [...x].every((v) => y.has(v));
}

@Injectable()
export class ReceiversService {
  constructor(
    private readonly receivers: ReceiversRepository,
    private readonly topics: TopicsRepository,
    private readonly accounts: AccountsRepository,
    private readonly tenants: TenantsRepository,
    private readonly units: UnitsRepository,
    private readonly changes: ChangeLog,
    private readonly egress: EgressClient,
    private readonly rpc: NatsRpc,
  ) {}

  async create(p: Principal, input: ReceiverInput): Promise<ReceiverWithSecret> {
    const tenantId = tenantScope(p, input.tenant);
    checkTopicPatterns(input.topics);
    this.authorizeTopics(p, input.topics);
    if (!(await this.tenants.find(tenantId))) throw new NotFoundError(`tenant ${tenantId}`);
    const account = await this.validate(tenantId, { url: input.url, topics: input.topics, accountId: input.accountId, auth: input.auth });
    const receiveBound = await this.delegation(p, tenantId, account, input.topics);
    const id = uuidv7();
    // The secret goes to the signer first: a receiver row never exists without its credential.
    const issued = await this.issueCredential(tenantId, id, input.auth);
    try {
      const view = await this.changes.transaction(async (tx) => {
        const r: Receiver = {
          tenantId,
          id,
          name: input.name,
          url: input.url,
          topics: [...new Set(input.topics)],
          accountId: input.accountId,
          receiveBound,
          auth: publicAuth(input.auth),
          enabled: input.enabled ?? true,
          deletedAt: null,
          createdAt: tx.now,
          updatedAt: tx.now,
        };
        await this.receivers.insert(tx.em, r);
        const v = receiverView(r);
        await tx.record({ tenantId, entity: 'receiver', entityId: id, action: 'created', actor: actorOf(p), before: null, after: { ...v } });
        return v;
      });
      return { receiver: view, ...(issued?.secret ? { secret: issued.secret } : {}) };
    } catch (err) {
      if (issued) await this.rpc.call(SIGNER_SUBJECTS.revokeCredential, { tenantId, credentialId: credentialIdOf(id) });
      throw err;
    }
  }

  async list(p: Principal, input: PageRequest & { tenant?: string; deleted?: 'true' | 'false'; accountId?: string; topic?: string }): Promise<Page<ReceiverView>> {
    const tenantId = tenantScope(p, input.tenant);
    const { limit, after } = parsePage(input, UUID_RE);
    const deleted = input.deleted === undefined ? undefined : input.deleted === 'true';
    // Visibility is per receiver (its topics): read on until the page and one more visible
    // receiver are found (the one more says there is a next page) or the rows end.
    const filter = { deleted, accountId: input.accountId, topic: input.topic };
    const visible: Receiver[] = [];
    let cursor = after;
    for (;;) {
      const batch = await this.receivers.list(tenantId, filter, limit + 1, cursor);
      visible.push(...batch.filter((r) => canSeeReceiver(p, r.topics)));
      const last = batch[batch.length - 1];
      if (visible.length > limit || batch.length <= limit || !last) break;
      cursor = { at: last.createdAt.toISOString(), id: last.id };
    }
    return toPage(visible, limit, (r) => r.id, receiverView);
  }

  async get(p: Principal, tenant: string | undefined, id: string): Promise<ReceiverView> {
    return receiverView(await this.visible(p, tenantScope(p, tenant), id));
  }

  async update(p: Principal, tenant: string | undefined, id: string, input: ReceiverPatch): Promise<ReceiverWithSecret> {
    const tenantId = tenantScope(p, tenant);
    const current = await this.visible(p, tenantId, id);
    if (current.deletedAt) throw new ConflictError(`receiver ${id} is deleted`);
    checkTopicPatterns(input.topics);
    this.authorizeTopics(p, current.topics);
    if (input.topics) this.authorizeTopics(p, input.topics);
    const named = await this.validate(tenantId, { url: input.url, topics: input.topics, accountId: input.accountId, auth: input.auth });
    // A new receiving account, new topics or a new URL set the receiver up anew: the caller
    // must be able to delegate what it will receive, and its own reach becomes the bound.
    const reRegistered =
      (input.accountId !== undefined && input.accountId !== current.accountId) ||
      (input.topics !== undefined && !sameSet(input.topics, current.topics)) ||
      (input.url !== undefined && input.url !== current.url);
    let receiveBound: ReceiveScope[] | null | undefined;
    if (reRegistered) {
      const account = named ?? (await this.accounts.find(tenantId, current.accountId));
      receiveBound = await this.delegation(p, tenantId, account, input.topics ?? current.topics);
    }
    let issued: { secret?: string } | undefined;
    if (input.auth) {
      // New authentication, new credential: the old one is destroyed, the new secret shown once.
      await this.rpc.call(SIGNER_SUBJECTS.revokeCredential, { tenantId, credentialId: credentialIdOf(id) });
      issued = await this.issueCredential(tenantId, id, input.auth);
    }
    const view = await this.changes.transaction(async (tx) => {
      const r = await this.receivers.find(tenantId, id, tx.em, true);
      if (!r) throw new NotFoundError(`receiver ${id}`);
      const patch: Partial<Receiver> = { updatedAt: tx.now };
      if (input.name !== undefined) patch.name = input.name;
      if (input.url !== undefined) patch.url = input.url;
      if (input.topics !== undefined) patch.topics = [...new Set(input.topics)];
      if (input.accountId !== undefined) patch.accountId = input.accountId;
      if (receiveBound !== undefined) patch.receiveBound = receiveBound;
      if (input.enabled !== undefined) patch.enabled = input.enabled;
      if (input.auth !== undefined) patch.auth = publicAuth(input.auth);
      await this.receivers.update(tx.em, tenantId, id, patch);
      const after = { ...r, ...patch };
      await tx.record({ tenantId, entity: 'receiver', entityId: id, action: 'updated', actor: actorOf(p), before: { ...receiverView(r) }, after: { ...receiverView(after) } });
      return receiverView(after);
    });
    return { receiver: view, ...(issued?.secret ? { secret: issued.secret } : {}) };
  }

  /**
   * A new secret. HMAC protocols: generated unless given, and the previous one keeps
   * signing during the overlap so receivers can switch without a gap. OAuth2: the new
   * client secret must be given.
   */
  async rotateSecret(p: Principal, tenant: string | undefined, id: string, input: { overlapSeconds?: number; secret?: string }): Promise<ReceiverWithSecret> {
    const tenantId = tenantScope(p, tenant);
    const r = await this.visible(p, tenantId, id);
    if (r.deletedAt) throw new ConflictError(`receiver ${id} is deleted`);
    this.authorizeTopics(p, r.topics);
    if (r.auth.protocol === 'none') throw new ConflictError(`receiver ${id} uses no authentication, so it has no secret to rotate`);
    let spec: CredentialSpec | undefined;
    if (r.auth.protocol === 'oauth2') {
      if (!input.secret) throw new ValidationError([{ field: 'secret', message: 'the new OAuth2 client secret is required' }]);
      spec = { scheme: 'oauth2', tokenUrl: r.auth.tokenUrl, clientId: r.auth.clientId, clientSecret: input.secret, ...(r.auth.scope ? { scope: r.auth.scope } : {}), ...(r.auth.audience ? { audience: r.auth.audience } : {}) };
    } else if (input.secret) {
      spec = r.auth.protocol === 'websub' ? { scheme: 'websub', algorithm: r.auth.algorithm, secret: input.secret } : { scheme: 'standard-webhooks', secret: input.secret };
    }
    const reply = await this.rpc.call(SIGNER_SUBJECTS.rotateCredential, {
      tenantId,
      credentialId: credentialIdOf(id),
      ...(spec ? { spec } : {}),
      ...(input.overlapSeconds !== undefined ? { overlapSeconds: input.overlapSeconds } : {}),
    });
    const rotated = this.unwrap(reply, 'secret');
    await this.changes.transaction(async (tx) => {
      await tx.record({
        tenantId,
        entity: 'receiver',
        entityId: id,
        action: 'credentials-reset',
        actor: actorOf(p),
        before: null,
        after: { ...receiverView(r) },
        detail: { version: rotated.version, ...(rotated.previousValidUntil ? { previousValidUntil: rotated.previousValidUntil } : {}) },
      });
    });
    return {
      receiver: receiverView(r),
      ...(rotated.secret ? { secret: rotated.secret } : {}),
      ...(rotated.previousValidUntil ? { previousSecretValidUntil: rotated.previousValidUntil } : {}),
    };
  }

  /** Soft delete: no new deliveries, waiting retries cancelled; still listed, its log still readable. */
  async delete(p: Principal, tenant: string | undefined, id: string): Promise<ReceiverView> {
    const tenantId = tenantScope(p, tenant);
    const current = await this.visible(p, tenantId, id);
    this.authorizeTopics(p, current.topics);
    if (current.deletedAt) return receiverView(current);
    const view = await this.changes.transaction(async (tx) => {
      const r = await this.receivers.find(tenantId, id, tx.em, true);
      if (!r) throw new NotFoundError(`receiver ${id}`);
      const patch = { deletedAt: tx.now, updatedAt: tx.now };
      await this.receivers.update(tx.em, tenantId, id, patch);
      const after = { ...r, ...patch };
      await tx.record({ tenantId, entity: 'receiver', entityId: id, action: 'deleted', actor: actorOf(p), before: { ...receiverView(r) }, after: { ...receiverView(after) } });
      return receiverView(after);
    });
    // The secret stays sealed in the signer for the restore window (ReceiverSecretsPurger destroys it then).
    return view;
  }

  /**
   * Brings a soft-deleted receiver back, with its settings and (within the restore window)
   * its secret: deliveries from then on, none for what happened while it was deleted.
   * Restoring names its receiving account again, so the caller must be allowed to.
   */
  async restore(p: Principal, tenant: string | undefined, id: string): Promise<ReceiverView> {
    const tenantId = tenantScope(p, tenant);
    const current = await this.visible(p, tenantId, id);
    this.authorizeTopics(p, current.topics);
    if (!current.deletedAt) return receiverView(current);
    if (current.secretDestroyedAt) {
      throw new ConflictError(`receiver ${id} was deleted on ${current.deletedAt.toISOString()} and its secret destroyed on ${current.secretDestroyedAt.toISOString()}, after the restore window; register it again`);
    }
    const account = await this.accounts.find(tenantId, current.accountId);
    const receiveBound = await this.delegation(p, tenantId, account, current.topics);
    return this.changes.transaction(async (tx) => {
      const r = await this.receivers.find(tenantId, id, tx.em, true);
      if (!r) throw new NotFoundError(`receiver ${id}`);
      if (!r.deletedAt) return receiverView(r);
      const patch = { deletedAt: null, receiveBound, updatedAt: tx.now };
      await this.receivers.update(tx.em, tenantId, id, patch);
      const after = { ...r, ...patch };
      await tx.record({ tenantId, entity: 'receiver', entityId: id, action: 'restored', actor: actorOf(p), before: { ...receiverView(r) }, after: { ...receiverView(after) } });
      return receiverView(after);
    });
  }

  /** Destroys the secrets of receivers deleted before `before` (the restore window has passed). Returns how many. */
  async destroyDeletedSecrets(before: Date, limit = 100): Promise<number> {
    const rows = await this.receivers.deletedBefore(before, limit);
    for (const r of rows) {
      await this.rpc.call(SIGNER_SUBJECTS.revokeCredential, { tenantId: r.tenantId, credentialId: credentialIdOf(r.id) });
      await this.receivers.markSecretDestroyed(r.tenantId, r.id);
    }
    return rows.length;
  }

  private async visible(p: Principal, tenantId: string, id: string): Promise<Receiver> {
    const r = UUID_RE.test(id) ? await this.receivers.find(tenantId, id) : null;
    if (!r || !canSeeReceiver(p, r.topics)) throw new NotFoundError(`receiver ${id}`);
    return r;
  }

  private authorizeTopics(p: Principal, topics: readonly string[]): void {
    const denied = topicsNotWritable(p, topics);
    if (denied.length > 0) throw new ForbiddenError(`the receivers:write permission (on the whole tenant) does not cover topic ${denied.join(', ')}`);
  }

  /**
   * Whether the caller may name `account` as the receiving account of a receiver of
   * `topics`: it must hold webhooks:receive itself over everything the account could
   * receive of those topics (403 otherwise, naming the first part it lacks). Answers the
   * bound to record: the caller's own webhooks:receive reach within the topics (null for
   * the operator), which fan-out applies besides the account's grants from then on.
   */
  private async delegation(p: Principal, tenantId: string, account: Account | null, topics: readonly string[]): Promise<ReceiveScope[] | null> {
    if (p.kind === 'operator') return null;
    const grants = account?.grants ?? [];
    const paths = await this.units.paths(tenantId, [...new Set([...unitsNamed(p.grants), ...unitsNamed(grants)])]);
    const d = mayDelegate(p, 'webhooks:receive', grants, { topics: [...new Set(topics)] }, (u) => paths.get(u));
    if (!d.allowed) {
      const who = account ? `account ${account.name} (${account.id})` : 'this account';
      throw new ForbiddenError(`accountId: you cannot name ${who} as the receiving account: for these topics it may receive ${describeGap(d.gap)}, which you do not hold yourself`);
    }
    return d.bound;
  }

  /** URL safety, catalogue topics and the receiving account, all reported together; answers the named account. */
  private async validate(tenantId: string, input: { url?: string; topics?: string[]; accountId?: string; auth?: ReceiverAuthDto }): Promise<Account | null> {
    const problems: FieldProblem[] = [];
    const urlProblem = (field: string, url: string) => {
      const checked = this.egress.checkUrl(url);
      if (!checked.ok) problems.push({ field, message: `${url} is not allowed: ${checked.error.message}` });
      else {
        const credentials = urlCredentialsProblem(field, url);
        if (credentials) problems.push(credentials);
      }
    };
    if (input.url !== undefined) urlProblem('url', input.url);
    if (input.auth?.protocol === 'oauth2' && input.auth.tokenUrl) urlProblem('auth.tokenUrl', input.auth.tokenUrl);
    // What the signer would refuse, refused here: an update destroys the old credential before it issues the new one.
    const secret = input.auth ? ownSecretProblem('auth.secret', input.auth.protocol, input.auth.secret) : undefined;
    if (secret) problems.push(secret);
    if (input.topics) {
      const catalogue = await this.topics.names(tenantId);
      for (const t of input.topics) {
        const isPattern = t.split('.').some((w) => w === '*' || w === '>');
        const known = isPattern ? catalogue.some((c) => topicMatches(t, c)) : catalogue.includes(t);
        if (!known) problems.push({ field: 'topics', message: isPattern ? `${t} matches no topic in the tenant's catalogue` : `${t} is not in the tenant's topic catalogue (POST /v1/topics)` });
      }
    }
    const account = input.accountId !== undefined ? await this.accounts.find(tenantId, input.accountId) : null;
    if (input.accountId !== undefined && !account) problems.push({ field: 'accountId', message: `no API account ${input.accountId} in this tenant` });
    if (problems.length > 0) throw new ValidationError(problems);
    return account;
  }

  private async issueCredential(tenantId: string, receiverId: string, auth: ReceiverAuthDto): Promise<{ secret?: string } | undefined> {
    const spec = credentialSpec(auth);
    if (!spec) return undefined;
    const reply = await this.rpc.call(SIGNER_SUBJECTS.createCredential, { tenantId, credentialId: credentialIdOf(receiverId), spec, idempotencyKey: receiverId });
    return this.unwrap(reply, 'auth');
  }

  private unwrap<T>(reply: RpcReply<T>, field: string): T {
    if (reply.ok) return reply.result;
    if (reply.error.code === 'invalid-request') throw new ValidationError([{ field, message: reply.error.message }]);
    throw new ServiceUnavailableError(`the signer could not store the secret (${reply.error.code}); try again`, 2);
  }
}
