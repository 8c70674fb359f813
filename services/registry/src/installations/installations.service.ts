// Installing a template: an OAuth client in the provider (client_id = the installation
// id; a confidential client gets a secret, sealed in the provider's store and held by
// the signer), and a notification to the provider through the delivery pipeline (kind
// hookup or hookup-email), committed in the same transaction as the installation and its
// change event (the transactional outbox). Enabling or disabling a department, rotating
// the secret and uninstalling work the same way; uninstalling removes the client, so its
// tokens stop working at once.
import { randomBytes } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { actorOf, principalAllows, type Principal } from '@hookline/auth';
import { CONFIG } from '@hookline/config';
import {
  clientSecretCredentialId,
  deliveryMsgIds,
  deliverySubjects,
  describeActor,
  ENTITY_ID_RE,
  uuidv7,
  UUID_RE,
  type DeliveryCreated,
  type DepartmentRef,
  type HookupEvent,
  type InstallationView,
} from '@hookline/contracts';
import { ConflictError, ForbiddenError, NotFoundError, tenantScope, ValidationError } from '@hookline/http';
import type { RegistryConfig } from '../config';
import { clientMetadata } from '../oidc/client-metadata';
import { OidcStore } from '../oidc/oidc-store';
import { issuerOf, providerUrls } from '../oidc/provider-urls';
import { ChangeLog, type Tx } from '../outbox/change-log';
import { Page, PageRequest, parsePage, toPage } from '../paging';
import { Installation } from './entities/installation.entity';
import { notificationFact, type ProviderUrls } from './hookup-message';
import { installationView, InstallationsRepository } from './installations.repository';
import { SignerCredentials } from './signer-credentials';
import { ownerOf } from './templates.service';
import { TemplatesRepository } from './templates.repository';

export interface InstallInput {
  tenant?: string;
  templateId: string;
  departments?: string[];
}

/** An installation and the notification it set off (follow it in GET /v1/deliveries/{id}). */
export interface InstallationResult {
  installation: InstallationView;
  notification?: { deliveryId: string; kind: string };
}

const newSecret = () => randomBytes(32).toString('base64url');

@Injectable()
export class InstallationsService {
  private readonly urls: ProviderUrls;

  constructor(
    private readonly installations: InstallationsRepository,
    private readonly templates: TemplatesRepository,
    private readonly changes: ChangeLog,
    private readonly store: OidcStore,
    private readonly signer: SignerCredentials,
    @Inject(CONFIG) config: RegistryConfig,
  ) {
    this.urls = providerUrls(issuerOf(config));
  }

  async install(p: Principal, input: InstallInput): Promise<InstallationResult> {
    const tenantId = tenantScope(p, input.tenant);
    this.authorizeTenant(p);
    const provetId = await this.installations.provetId(tenantId);
    if (provetId === undefined) throw new NotFoundError(`tenant ${tenantId}`);
    const template = UUID_RE.test(input.templateId) ? await this.templates.find({ kind: 'tenant', tenantId }, input.templateId) : null;
    if (!template || (template.ownerTenant !== null && template.ownerTenant !== tenantId)) throw new ValidationError([{ field: 'templateId', message: `no template ${input.templateId} in the catalogue or the tenant's own` }]);
    if (template.retiredAt) throw new ConflictError(`template ${template.id} is retired: it takes no new installations`);
    const units = [...new Set(input.departments ?? [])];
    await this.authorizeDepartments(p, tenantId, units, 'departments');
    const id = uuidv7();
    const secret = template.oauth.clientType === 'confidential' ? newSecret() : undefined;
    if (secret) await this.signer.create(tenantId, clientSecretCredentialId(id), { scheme: 'body-secret', value: secret }, id, 'templateId');
    try {
      return await this.changes.transaction(async (tx) => {
        const i: Installation = {
          tenantId,
          id,
          templateId: template.id,
          templateVersion: template.version,
          templateName: template.name,
          templateOwner: ownerOf(template),
          oauth: template.oauth,
          channel: template.channel,
          departments: units,
          status: 'active',
          secretVersion: 1,
          notifications: 1,
          uninstalledAt: null,
          createdAt: tx.now,
          updatedAt: tx.now,
        };
        await this.installations.insert(tx.em, i);
        await this.store.put('Client', id, clientMetadata(id, template.name, template.oauth, secret), undefined, tx.em);
        const view = await this.view(i, tx.em);
        await tx.record({ tenantId, entity: 'installation', entityId: id, action: 'created', actor: actorOf(p), before: null, after: { ...view }, detail: { template: template.id, templateVersion: template.version } });
        const fact = await this.notify(tx, p, view, { number: 1, event: 'installed' });
        return { installation: view, notification: { deliveryId: fact.deliveryId, kind: fact.kind } };
      });
    } catch (err) {
      if (secret) await this.signer.revoke(tenantId, clientSecretCredentialId(id));
      throw err;
    }
  }

  async list(p: Principal, input: PageRequest & { tenant?: string; status?: 'active' | 'uninstalled'; templateId?: string }): Promise<Page<InstallationView>> {
    const tenantId = tenantScope(p, input.tenant);
    const { limit, after } = parsePage(input, UUID_RE);
    const rows = await this.installations.list(tenantId, { status: input.status, templateId: input.templateId }, limit + 1, after);
    const provetId = (await this.installations.provetId(tenantId)) ?? 0;
    const deps = await this.installations.departments(tenantId, rows.flatMap((r) => r.departments));
    return toPage(rows, limit, (r) => r.id, (r) => installationView(r, { provetId, departments: refs(r.departments, deps) }));
  }

  async get(p: Principal, tenant: string | undefined, id: string): Promise<InstallationView> {
    const tenantId = tenantScope(p, tenant);
    return this.view(await this.found(tenantId, id));
  }

  /** Enables the integration for a department (a unit): a message with the full list and added_department. Enabling it again changes nothing. */
  async enableDepartment(p: Principal, tenant: string | undefined, id: string, unit: string): Promise<InstallationResult> {
    return this.changeDepartment(p, tenant, id, unit, true);
  }

  async disableDepartment(p: Principal, tenant: string | undefined, id: string, unit: string): Promise<InstallationResult> {
    return this.changeDepartment(p, tenant, id, unit, false);
  }

  /** A new client secret (confidential clients): the old one stops working now; the provider gets a message with the new one. */
  async rotateSecret(p: Principal, tenant: string | undefined, id: string): Promise<InstallationResult> {
    const tenantId = tenantScope(p, tenant);
    this.authorizeTenant(p);
    const current = await this.found(tenantId, id);
    if (current.status !== 'active') throw new ConflictError(`installation ${id} was uninstalled`);
    if (current.oauth.clientType !== 'confidential') throw new ConflictError(`installation ${id} is a public client: it has no secret`);
    // From the signer's rotation to the commit under the installation's row lock: two
    // rotations at once otherwise reached the signer together (one of them a 503) and could
    // commit in another order than the signer stored them, leaving the provider a secret
    // the token endpoint no longer takes.
    let previous: unknown;
    let rotated = false;
    try {
      return await this.changes.transaction(async (tx) => {
        const i = await this.locked(tx, tenantId, id);
        if (i.status !== 'active') throw new ConflictError(`installation ${id} was uninstalled`);
        previous = (await this.store.get('Client', id))?.client_secret;
        const secret = newSecret();
        await this.signer.rotate(tenantId, clientSecretCredentialId(id), { scheme: 'body-secret', value: secret }, 'id');
        rotated = true;
        const patch = { secretVersion: i.secretVersion + 1, notifications: i.notifications + 1, updatedAt: tx.now };
        await this.installations.update(tx.em, tenantId, id, patch);
        const next = { ...i, ...patch };
        await this.store.put('Client', id, clientMetadata(id, i.templateName, i.oauth, secret), undefined, tx.em);
        const view = await this.view(next, tx.em);
        await tx.record({ tenantId, entity: 'installation', entityId: id, action: 'credentials-reset', actor: actorOf(p), before: null, after: { ...view }, detail: { secretVersion: next.secretVersion } });
        const fact = await this.notify(tx, p, view, { number: next.notifications, event: 'secret-rotated' });
        return { installation: view, notification: { deliveryId: fact.deliveryId, kind: fact.kind } };
      });
    } catch (err) {
      // The provider still has the previous secret: the signer must write that one.
      if (rotated && typeof previous === 'string') await this.signer.rotate(tenantId, clientSecretCredentialId(id), { scheme: 'body-secret', value: previous }, 'id').catch(() => undefined);
      throw err;
    }
  }

  /** Removes the OAuth client with its grants and tokens, at once; waiting notifications are cancelled. Uninstalling twice changes nothing. */
  async uninstall(p: Principal, tenant: string | undefined, id: string): Promise<InstallationView> {
    const tenantId = tenantScope(p, tenant);
    this.authorizeTenant(p);
    const current = await this.found(tenantId, id);
    if (current.status !== 'active') return this.view(current);
    const view = await this.changes.transaction(async (tx) => {
      const i = await this.locked(tx, tenantId, id);
      const patch = { status: 'uninstalled' as const, uninstalledAt: tx.now, updatedAt: tx.now };
      await this.installations.update(tx.em, tenantId, id, patch);
      await this.store.deleteClient(id, tx.em);
      const before = await this.view(i, tx.em);
      const after = await this.view({ ...i, ...patch }, tx.em);
      await tx.record({ tenantId, entity: 'installation', entityId: id, action: 'deleted', actor: actorOf(p), before: { ...before }, after: { ...after } });
      return after;
    });
    if (current.oauth.clientType === 'confidential') await this.signer.revoke(tenantId, clientSecretCredentialId(id));
    return view;
  }

  private async changeDepartment(p: Principal, tenant: string | undefined, id: string, unit: string, enable: boolean): Promise<InstallationResult> {
    const tenantId = tenantScope(p, tenant);
    const current = await this.found(tenantId, id);
    if (!ENTITY_ID_RE.test(unit)) throw new ValidationError([{ field: 'unit', message: 'is not a unit id' }]);
    await this.authorizeDepartments(p, tenantId, [unit], 'unit');
    if (current.status !== 'active') throw new ConflictError(`installation ${id} was uninstalled`);
    if (current.departments.includes(unit) === enable) return { installation: await this.view(current) };
    return this.changes.transaction(async (tx) => {
      const i = await this.locked(tx, tenantId, id);
      if (i.departments.includes(unit) === enable) return { installation: await this.view(i, tx.em) };
      const departments = enable ? [...i.departments, unit] : i.departments.filter((d) => d !== unit);
      const patch = { departments, notifications: i.notifications + 1, updatedAt: tx.now };
      await this.installations.update(tx.em, tenantId, id, patch);
      const before = await this.view(i, tx.em);
      const view = await this.view({ ...i, ...patch }, tx.em);
      const number = (await this.installations.departments(tenantId, [unit], tx.em)).get(unit)?.id;
      if (number === undefined) throw new ValidationError([{ field: 'unit', message: `no unit ${unit} in this tenant` }]);
      await tx.record({
        tenantId,
        entity: 'installation',
        entityId: id,
        action: 'updated',
        actor: actorOf(p),
        before: { ...before },
        after: { ...view },
        detail: enable ? { addedDepartment: { unit, id: number } } : { removedDepartment: { unit, id: number } },
      });
      const fact = await this.notify(tx, p, view, { number: patch.notifications, event: enable ? 'department-added' : 'department-removed', unit, ...(enable ? { added: number } : { removed: number }) });
      return { installation: view, notification: { deliveryId: fact.deliveryId, kind: fact.kind } };
    });
  }

  /** The notification's "created" fact, committed with the change that caused it. */
  private async notify(tx: Tx, p: Principal, view: InstallationView, n: { number: number; event: HookupEvent; unit?: string; added?: number; removed?: number }): Promise<DeliveryCreated> {
    const fact = notificationFact(view, this.urls, { ...n, at: tx.now.toISOString(), by: describeActor(actorOf(p)) });
    await tx.emit({ tenantId: fact.tenantId, subject: deliverySubjects.lifecycle(fact.tenantId, 'created'), payload: fact, msgId: deliveryMsgIds.lifecycle(fact) });
    return fact;
  }

  private async view(i: Installation, em?: EntityManager): Promise<InstallationView> {
    const provetId = (await this.installations.provetId(i.tenantId, em)) ?? 0;
    const deps = await this.installations.departments(i.tenantId, i.departments, em);
    return installationView(i, { provetId, departments: refs(i.departments, deps) });
  }

  private async found(tenantId: string, id: string): Promise<Installation> {
    const i = UUID_RE.test(id) ? await this.installations.find(tenantId, id) : null;
    if (!i) throw new NotFoundError(`installation ${id}`);
    return i;
  }

  private async locked(tx: Tx, tenantId: string, id: string): Promise<Installation> {
    const i = await this.installations.find(tenantId, id, tx.em, true);
    if (!i) throw new NotFoundError(`installation ${id}`);
    return i;
  }

  /** Installing, uninstalling and rotating concern the whole tenant. */
  private authorizeTenant(p: Principal): void {
    if (!principalAllows(p, 'installations:write')) throw new ForbiddenError('this needs installations:write on the whole tenant');
  }

  /**
   * Departments must be units of the tenant, and an account may only enable or disable
   * the integration where it holds installations:write itself (a unit covers those below it).
   */
  private async authorizeDepartments(p: Principal, tenantId: string, units: readonly string[], field: string): Promise<void> {
    const known = await this.installations.departments(tenantId, units);
    const missing = units.filter((u) => !known.has(u));
    if (missing.length > 0) throw new ValidationError(missing.map((u) => ({ field, message: `no unit ${u} in this tenant` })));
    const denied = units.filter((u) => !principalAllows(p, 'installations:write', { unitPath: known.get(u)?.path }));
    if (denied.length > 0) throw new ForbiddenError(`installations:write does not cover department ${denied.join(', ')}`);
  }
}

function refs(units: readonly string[], known: Map<string, { id: number }>): DepartmentRef[] {
  return units.flatMap((u) => {
    const d = known.get(u);
    return d ? [{ unit: u, id: d.id }] : [];
  });
}
