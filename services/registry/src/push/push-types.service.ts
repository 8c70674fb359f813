// The catalogue of notification types (each mapped to the host event topic that
// triggers it) and their enable flags: global, and per unit with the nearest unit's
// own value winning (resolvePushFlag in @hookline/contracts, which the dispatcher
// applies to every event). Type-wide changes need push:write on the whole tenant; a
// unit's flag needs push:write on that unit.
import { Injectable } from '@nestjs/common';
import { actorOf, principalAllows, type Principal } from '@hookline/auth';
import {
  pushFlagEntityId,
  resolvePushFlag,
  type EffectivePushFlag,
  type PushFlagView,
  type PushNotificationBody,
  type PushTypeView,
} from '@hookline/contracts';
import { authorize, ConflictError, NotFoundError, tenantScope } from '@hookline/http';
import { ChangeLog, type Tx } from '../outbox/change-log';
import { Page, PageRequest, parsePage, toPage } from '../paging';
import { TenantsRepository } from '../tenants/tenants.repository';
import { UnitsRepository } from '../units/units.repository';
import { GLOBAL_FLAG_UNIT, type PushFlag } from './entities/push-flag.entity';
import type { PushType } from './entities/push-type.entity';
import { flagsOf } from './push-rules';
import { PushRepository, pushFlagView, pushTypeView } from './push.repository';

const WHOLE_TENANT = 'the whole tenant';

export interface PushTypeInput {
  tenant?: string;
  type: string;
  topic: string;
  description?: string;
  example?: Record<string, unknown>;
}

export type PushTypePatch = Partial<Pick<PushTypeInput, 'topic' | 'description' | 'example'>>;

/** A type with its explicit flags and the body the notification server gets. */
export interface PushTypeDetail extends PushTypeView {
  flags: { global: boolean | null; units: { unit: string; enabled: boolean }[] };
  bodyExample: PushNotificationBody;
}

export interface PushTypeListItem extends PushTypeView, EffectivePushFlag {}

/** The effective flag of a type for a unit (or globally), and where it came from. */
export interface EffectiveFlagView extends EffectivePushFlag {
  type: string;
  unit: string | null;
}

function bodyExample(t: PushTypeView): PushNotificationBody {
  return {
    type: t.type,
    id: '<notification id: the same on every retry>',
    eventId: '<host event id>',
    tenant: t.tenant,
    occurredAt: '<when the host event was accepted>',
    object: { type: '<object type>', id: '<object id>', unit: '<unit id>' },
    data: t.example ?? {},
  };
}

@Injectable()
export class PushTypesService {
  constructor(
    private readonly push: PushRepository,
    private readonly units: UnitsRepository,
    private readonly tenants: TenantsRepository,
    private readonly changes: ChangeLog,
  ) {}

  async create(p: Principal, input: PushTypeInput): Promise<PushTypeDetail> {
    const tenantId = tenantScope(p, input.tenant);
    authorize(p, 'push:write', {}, WHOLE_TENANT);
    const view = await this.changes.transaction(async (tx) => {
      if (!(await this.tenants.find(tenantId, tx.em))) throw new NotFoundError(`tenant ${tenantId}`);
      const t: PushType = {
        tenantId,
        type: input.type,
        topic: input.topic,
        description: input.description ?? null,
        example: input.example ?? null,
        createdAt: tx.now,
        updatedAt: tx.now,
      };
      if (!(await this.push.insertTypeIfAbsent(tx.em, t))) throw new ConflictError(`push notification type ${input.type} already exists`);
      const v = pushTypeView(t);
      await tx.record({ tenantId, entity: 'push-type', entityId: t.type, action: 'created', actor: actorOf(p), before: null, after: { ...v } });
      return v;
    });
    return { ...view, flags: { global: null, units: [] }, bodyExample: bodyExample(view) };
  }

  async list(p: Principal, input: PageRequest & { tenant?: string; unit?: string }): Promise<Page<PushTypeListItem>> {
    const tenantId = tenantScope(p, input.tenant);
    const { limit, after } = parsePage(input);
    const path = await this.readablePath(p, tenantId, input.unit);
    const rows = await this.push.listTypes(tenantId, limit + 1, after);
    const flags = (await this.push.flags(tenantId, rows.map((r) => r.type))).map(pushFlagView);
    return toPage(rows, limit, (t) => t.type, (t) => ({ ...pushTypeView(t), ...resolvePushFlag(flagsOf(t.type, flags), path) }));
  }

  async get(p: Principal, tenant: string | undefined, type: string): Promise<PushTypeDetail> {
    const tenantId = tenantScope(p, tenant);
    const t = await this.findType(tenantId, type);
    const flags = (await this.push.flags(tenantId, [type])).map(pushFlagView);
    const unitFlags = flags.filter((f): f is PushFlagView & { unit: string } => f.unit !== null);
    // A unit-scoped reader sees the flags of its own units only.
    const paths = p.kind === 'operator' ? undefined : await this.units.paths(tenantId, unitFlags.map((f) => f.unit));
    const visible = unitFlags.filter((f) => !paths || principalAllows(p, 'push:read', { unitPath: paths.get(f.unit) ?? [f.unit] }));
    const view = pushTypeView(t);
    return {
      ...view,
      flags: { global: flags.find((f) => f.unit === null)?.enabled ?? null, units: visible.map((f) => ({ unit: f.unit, enabled: f.enabled })) },
      bodyExample: bodyExample(view),
    };
  }

  async update(p: Principal, tenant: string | undefined, type: string, input: PushTypePatch): Promise<PushTypeDetail> {
    const tenantId = tenantScope(p, tenant);
    authorize(p, 'push:write', {}, WHOLE_TENANT);
    await this.changes.transaction(async (tx) => {
      const t = await this.push.findType(tenantId, type, tx.em, true);
      if (!t) throw new NotFoundError(`push notification type ${type}`);
      const patch = {
        updatedAt: tx.now,
        ...(input.topic !== undefined ? { topic: input.topic } : {}),
        ...(input.description !== undefined ? { description: input.description } : {}),
        ...(input.example !== undefined ? { example: input.example } : {}),
      };
      await this.push.updateType(tx.em, tenantId, type, patch);
      await tx.record({ tenantId, entity: 'push-type', entityId: type, action: 'updated', actor: actorOf(p), before: { ...pushTypeView(t) }, after: { ...pushTypeView({ ...t, ...patch }) } });
    });
    return this.get(p, tenantId, type);
  }

  /** Removes the type and its flags; notifications already waiting are cancelled at their next attempt. */
  async delete(p: Principal, tenant: string | undefined, type: string): Promise<void> {
    const tenantId = tenantScope(p, tenant);
    authorize(p, 'push:write', {}, WHOLE_TENANT);
    await this.changes.transaction(async (tx) => {
      const t = await this.push.findType(tenantId, type, tx.em, true);
      if (!t) throw new NotFoundError(`push notification type ${type}`);
      // Each flag gets its own event, so projections only ever apply single entities.
      for (const f of await this.push.flags(tenantId, [type], tx.em)) await this.recordFlag(tx, p, f, null);
      await this.push.deleteFlags(tx.em, tenantId, type);
      await this.push.deleteType(tx.em, tenantId, type);
      await tx.record({ tenantId, entity: 'push-type', entityId: type, action: 'deleted', actor: actorOf(p), before: { ...pushTypeView(t) }, after: null });
    });
  }

  /** The flag that applies to objects in `unit` (or outside any unit), and where it came from. */
  async effective(p: Principal, tenant: string | undefined, type: string, unit?: string): Promise<EffectiveFlagView> {
    const tenantId = tenantScope(p, tenant);
    const path = await this.readablePath(p, tenantId, unit, type);
    await this.findType(tenantId, type);
    return this.resolve(tenantId, type, unit, path);
  }

  /** Sets the global flag, or a unit's own flag (which the units below it inherit unless they set theirs). */
  async setFlag(p: Principal, tenant: string | undefined, type: string, input: { enabled: boolean; unit?: string }): Promise<EffectiveFlagView> {
    const tenantId = tenantScope(p, tenant);
    const path = await this.writablePath(p, tenantId, input.unit);
    await this.changes.transaction(async (tx) => {
      // The type row is the lock that keeps a flag from outliving a concurrent delete.
      if (!(await this.push.findType(tenantId, type, tx.em, true))) throw new NotFoundError(`push notification type ${type}`);
      const unitId = input.unit ?? GLOBAL_FLAG_UNIT;
      const current = await this.push.findFlag(tenantId, type, unitId, tx.em);
      if (current?.enabled === input.enabled) return;
      const next: PushFlag = { tenantId, type, unitId, enabled: input.enabled, createdAt: current?.createdAt ?? tx.now, updatedAt: tx.now };
      await this.push.saveFlag(tx.em, next);
      await this.recordFlag(tx, p, current, next);
    });
    return this.resolve(tenantId, type, input.unit, path);
  }

  /** Removes an explicit flag: the unit inherits again (the global flag falls back to off). */
  async clearFlag(p: Principal, tenant: string | undefined, type: string, unit?: string): Promise<EffectiveFlagView> {
    const tenantId = tenantScope(p, tenant);
    const path = await this.writablePath(p, tenantId, unit, type);
    await this.changes.transaction(async (tx) => {
      if (!(await this.push.findType(tenantId, type, tx.em, true))) throw new NotFoundError(`push notification type ${type}`);
      const unitId = unit ?? GLOBAL_FLAG_UNIT;
      const current = await this.push.findFlag(tenantId, type, unitId, tx.em);
      if (!current) return;
      await this.push.deleteFlag(tx.em, tenantId, type, unitId);
      await this.recordFlag(tx, p, current, null);
    });
    return this.resolve(tenantId, type, unit, path);
  }

  private async resolve(tenantId: string, type: string, unit: string | undefined, path: string[] | undefined): Promise<EffectiveFlagView> {
    const flags = (await this.push.flags(tenantId, [type])).map(pushFlagView);
    const effective = resolvePushFlag(flagsOf(type, flags), path);
    return { type, unit: unit ?? null, ...effective };
  }

  private async recordFlag(tx: Tx, p: Principal, before: PushFlag | null, after: PushFlag | null): Promise<void> {
    const f = (after ?? before) as PushFlag;
    const unit = f.unitId === GLOBAL_FLAG_UNIT ? null : f.unitId;
    await tx.record({
      tenantId: f.tenantId,
      entity: 'push-flag',
      entityId: pushFlagEntityId(f.type, unit),
      action: !after ? 'deleted' : before ? 'updated' : 'created',
      actor: actorOf(p),
      before: before ? { ...pushFlagView(before) } : null,
      after: after ? { ...pushFlagView(after) } : null,
    });
  }

  private async findType(tenantId: string, type: string): Promise<PushType> {
    const t = await this.push.findType(tenantId, type);
    if (!t) throw new NotFoundError(`push notification type ${type}`);
    return t;
  }

  /**
   * The unit's path, checking the unit exists and the principal may read its flags
   * (undefined: the global level). `leftoverOf`: a type whose own flag of a unit that no
   * longer exists may be read (see checkedPath).
   */
  private async readablePath(p: Principal, tenantId: string, unit: string | undefined, leftoverOf?: string): Promise<string[] | undefined> {
    if (unit === undefined) {
      authorize(p, 'push:read', {}, WHOLE_TENANT);
      return undefined;
    }
    return this.checkedPath(p, 'push:read', tenantId, unit, leftoverOf);
  }

  /** As readablePath, for push:write; `leftoverOf`: a type whose flag of a unit that no longer exists may be removed. */
  private async writablePath(p: Principal, tenantId: string, unit: string | undefined, leftoverOf?: string): Promise<string[] | undefined> {
    if (unit === undefined) {
      authorize(p, 'push:write', {}, `${WHOLE_TENANT} (the global flag)`);
      return undefined;
    }
    return this.checkedPath(p, 'push:write', tenantId, unit, leftoverOf);
  }

  /**
   * The unit's path once the principal may act on it. A unit that does not exist is judged
   * as a unit of its own first, so that a caller it is outside of gets the same 403 either
   * way and cannot learn which units exist; only a caller who could act on it learns 404.
   *
   * Except where the type still has an own flag for it (`leftoverOf`): deleting a unit
   * leaves its flags, and the dispatcher takes a unit it does not know as a unit of its own
   * (the events API accepts one), so such a flag still decides for events naming that unit.
   * It must be readable and removable then, not a 404 that hides it.
   */
  private async checkedPath(p: Principal, action: string, tenantId: string, unit: string, leftoverOf?: string): Promise<string[]> {
    const path = (await this.units.paths(tenantId, [unit])).get(unit);
    authorize(p, action, { unitPath: path ?? [unit] }, `unit ${unit}`);
    if (path) return path;
    if (leftoverOf !== undefined && (await this.push.findFlag(tenantId, leftoverOf, unit))) return [unit];
    throw new NotFoundError(`unit ${unit}`);
  }
}
