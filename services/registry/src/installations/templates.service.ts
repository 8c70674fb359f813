// The integration catalogue: templates made by the operator (offered to every tenant) or
// by a tenant for its own use. Each says how the provider is told of an installation
// (hookup URL, SSRF-checked and signed with a Standard Webhooks secret shown once; or an
// e-mail address) and what OAuth client an installation gets. Edits apply to new
// installations; a retired template takes no new ones. Every write is a change event.
import { Injectable } from '@nestjs/common';
import { actorOf, principalAllows, type Principal } from '@hookline/auth';
import { CATALOGUE_TENANT, templateCredentialId, uuidv7, UUID_RE, type NotificationChannel, type OAuthClientSettings, type TemplateView } from '@hookline/contracts';
import { EgressClient } from '@hookline/egress';
import { ForbiddenError, NotFoundError, ValidationError, type FieldProblem } from '@hookline/http';
import { ChangeLog } from '../outbox/change-log';
import { Page, PageRequest, parsePage, toPage } from '../paging';
import { TenantsRepository } from '../tenants/tenants.repository';
import type { ChannelDto, OAuthSettingsDto } from './dto/template.dto';
import { Template } from './entities/template.entity';
import { emailAddressProblems, oauthSettingsProblems } from './installation-rules';
import { SignerCredentials } from './signer-credentials';
import { templateView, TemplatesRepository, type TemplateScope } from './templates.repository';

export interface TemplateInput {
  tenant?: string;
  name: string;
  description?: string | null;
  channel: ChannelDto;
  oauth: OAuthSettingsDto;
}

export type TemplatePatch = Partial<Omit<TemplateInput, 'tenant'>>;

/** A template and, when it was just given one, the hookup signing secret: shown this once. */
export interface TemplateWithSecret {
  template: TemplateView;
  secret?: string;
}

/** Who holds a template's signing secret and whose audit trail records it. */
export function ownerOf(t: Pick<Template, 'ownerTenant'>): string {
  return t.ownerTenant ?? CATALOGUE_TENANT;
}

function channelOf(c: ChannelDto): NotificationChannel {
  return c.kind === 'email' ? { kind: 'email', address: c.address ?? '' } : { kind: 'hookup-url', url: c.url ?? '' };
}

function oauthOf(o: OAuthSettingsDto): OAuthClientSettings {
  return { grantType: o.grantType, clientType: o.clientType, redirectUris: [...new Set(o.redirectUris ?? [])], algorithm: o.algorithm ?? null, scopes: [...new Set(o.scopes ?? [])] };
}

/** The operator sees everything; a tenant the catalogue and its own. */
export function scopeOf(p: Principal): TemplateScope {
  return p.kind === 'operator' ? { kind: 'all' } : { kind: 'tenant', tenantId: p.tenantId };
}

@Injectable()
export class TemplatesService {
  constructor(
    private readonly templates: TemplatesRepository,
    private readonly tenants: TenantsRepository,
    private readonly changes: ChangeLog,
    private readonly egress: EgressClient,
    private readonly signer: SignerCredentials,
  ) {}

  async create(p: Principal, input: TemplateInput): Promise<TemplateWithSecret> {
    const ownerTenant = await this.owner(p, input.tenant);
    const channel = channelOf(input.channel);
    const oauth = oauthOf(input.oauth);
    this.validate(channel, oauth);
    const id = uuidv7();
    const owner = ownerOf({ ownerTenant });
    // The secret goes to the signer first: a template that notifies by URL never exists without it.
    const issued = channel.kind === 'hookup-url' ? await this.signer.create(owner, templateCredentialId(id), { scheme: 'standard-webhooks' }, id, 'channel') : undefined;
    try {
      const view = await this.changes.transaction(async (tx) => {
        const t: Template = { id, ownerTenant, name: input.name, description: input.description ?? null, channel, oauth, version: 1, retiredAt: null, createdAt: tx.now, updatedAt: tx.now };
        await this.templates.insert(tx.em, t);
        const v = templateView(t);
        await tx.record({ tenantId: owner, entity: 'template', entityId: id, action: 'created', actor: actorOf(p), before: null, after: { ...v } });
        return v;
      });
      return { template: view, ...(issued?.secret ? { secret: issued.secret } : {}) };
    } catch (err) {
      if (issued) await this.signer.revoke(owner, templateCredentialId(id));
      throw err;
    }
  }

  async list(p: Principal, input: PageRequest & { retired?: 'true' | 'false'; owner?: string }): Promise<Page<TemplateView>> {
    const { limit, after } = parsePage(input, UUID_RE);
    const retired = input.retired === undefined ? undefined : input.retired === 'true';
    if (p.kind !== 'operator' && input.owner !== undefined && input.owner !== 'catalogue' && input.owner !== p.tenantId) return { data: [], nextCursor: null };
    const rows = await this.templates.list(scopeOf(p), { retired, owner: input.owner }, limit + 1, after);
    return toPage(rows, limit, (t) => t.id, templateView);
  }

  async get(p: Principal, id: string): Promise<TemplateView> {
    return templateView(await this.visible(p, id));
  }

  async update(p: Principal, id: string, input: TemplatePatch): Promise<TemplateWithSecret> {
    const current = await this.editable(p, id);
    const channel = input.channel ? channelOf(input.channel) : current.channel;
    const oauth = input.oauth ? oauthOf(input.oauth) : current.oauth;
    this.validate(channel, oauth);
    // A template that starts notifying by URL needs its signing secret now (kept if it had one).
    let issued: { secret?: string } | undefined;
    if (channel.kind === 'hookup-url' && current.channel.kind !== 'hookup-url') {
      issued = await this.signer.create(ownerOf(current), templateCredentialId(id), { scheme: 'standard-webhooks' }, `${id}:${current.version + 1}`, 'channel').catch(async (err: unknown) => {
        if (err instanceof ValidationError) throw err;
        // Made before (an earlier switch): the template keeps signing with it.
        return undefined;
      });
    }
    const view = await this.changes.transaction(async (tx) => {
      const t = await this.templates.find(scopeOf(p), id, tx.em, true);
      if (!t) throw new NotFoundError(`template ${id}`);
      const patch: Partial<Template> = { updatedAt: tx.now, version: t.version + 1, channel, oauth };
      if (input.name !== undefined) patch.name = input.name;
      if (input.description !== undefined) patch.description = input.description;
      await this.templates.update(tx.em, id, patch);
      const after = templateView({ ...t, ...patch });
      await tx.record({ tenantId: ownerOf(t), entity: 'template', entityId: id, action: 'updated', actor: actorOf(p), before: { ...templateView(t) }, after: { ...after } });
      return after;
    });
    return { template: view, ...(issued?.secret ? { secret: issued.secret } : {}) };
  }

  /** No new installations; existing ones keep working. Retiring twice changes nothing. */
  async retire(p: Principal, id: string): Promise<TemplateView> {
    const current = await this.editable(p, id);
    if (current.retiredAt) return templateView(current);
    return this.changes.transaction(async (tx) => {
      const t = await this.templates.find(scopeOf(p), id, tx.em, true);
      if (!t) throw new NotFoundError(`template ${id}`);
      const patch = { retiredAt: tx.now, updatedAt: tx.now };
      await this.templates.update(tx.em, id, patch);
      const after = templateView({ ...t, ...patch });
      await tx.record({ tenantId: ownerOf(t), entity: 'template', entityId: id, action: 'retired', actor: actorOf(p), before: { ...templateView(t) }, after: { ...after } });
      return after;
    });
  }

  /** A template the principal may see (installations:read, checked at the edge). */
  async visible(p: Principal, id: string): Promise<Template> {
    const t = UUID_RE.test(id) ? await this.templates.find(scopeOf(p), id) : null;
    if (!t) throw new NotFoundError(`template ${id}`);
    return t;
  }

  /** The operator edits any template; a tenant only its own, with installations:write on the whole tenant. */
  private async editable(p: Principal, id: string): Promise<Template> {
    const t = await this.visible(p, id);
    if (p.kind === 'operator') return t;
    if (t.ownerTenant === null) throw new ForbiddenError('templates of the catalogue are edited with the operator token');
    if (!principalAllows(p, 'installations:write')) throw new ForbiddenError('editing a template needs installations:write on the whole tenant');
    return t;
  }

  private async owner(p: Principal, tenant: string | undefined): Promise<string | null> {
    if (p.kind === 'operator') {
      if (tenant !== undefined && !(await this.tenants.find(tenant))) throw new NotFoundError(`tenant ${tenant}`);
      return tenant ?? null;
    }
    if (tenant !== undefined && tenant !== p.tenantId) throw new NotFoundError(`tenant ${tenant}`);
    if (!principalAllows(p, 'installations:write')) throw new ForbiddenError('a template of your own needs installations:write on the whole tenant');
    return p.tenantId;
  }

  private validate(channel: NotificationChannel, oauth: OAuthClientSettings): void {
    const problems: FieldProblem[] = oauthSettingsProblems(oauth);
    if (channel.kind === 'hookup-url') {
      const checked = this.egress.checkUrl(channel.url);
      if (!checked.ok) problems.push({ field: 'channel.url', message: `${channel.url} is not allowed: ${checked.error.message}` });
    } else {
      problems.push(...emailAddressProblems(channel.address));
    }
    if (problems.length > 0) throw new ValidationError(problems);
  }
}

