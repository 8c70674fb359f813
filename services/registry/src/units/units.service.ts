import { Injectable } from '@nestjs/common';
import { actorOf, principalAllows, unitScope, type Principal } from '@hookline/auth';
import type { UnitView } from '@hookline/contracts';
import { authorize, ConflictError, NotFoundError, tenantScope, ValidationError } from '@hookline/http';
import { ChangeLog, Tx } from '../outbox/change-log';
import { Page, PageRequest, parsePage, toPage } from '../paging';
import { TenantsRepository } from '../tenants/tenants.repository';
import { Unit } from './entities/unit.entity';
import { unitView, UnitsRepository } from './units.repository';

export const MAX_UNIT_DEPTH = 32;

export interface CreateUnitInput {
  tenant?: string;
  id: string;
  name: string;
  parentId?: string;
}

export interface UpdateUnitInput {
  name?: string;
  parentId?: string | null;
}

export interface ListUnitsInput extends PageRequest {
  tenant?: string;
  parentId?: string;
  under?: string;
  q?: string;
}

/** The path a unit gets below `parentPath` (a root when there is none). */
export function childPath(parentPath: readonly string[] | undefined, id: string): string[] {
  return [...(parentPath ?? []), id];
}

/** A move is impossible when the new parent lies inside the unit's own subtree. */
export function isCycle(unitId: string, newParentPath: readonly string[]): boolean {
  return newParentPath.includes(unitId);
}

/** A descendant's path after its subtree root moved from oldRootPath to newRootPath. */
export function rebasePath(path: readonly string[], oldRootPath: readonly string[], newRootPath: readonly string[]): string[] {
  return [...newRootPath, ...path.slice(oldRootPath.length)];
}

@Injectable()
export class UnitsService {
  constructor(
    private readonly units: UnitsRepository,
    private readonly tenants: TenantsRepository,
    private readonly changes: ChangeLog,
  ) {}

  async create(p: Principal, input: CreateUnitInput): Promise<UnitView> {
    const tenantId = tenantScope(p, input.tenant);
    return this.changes.transaction(async (tx) => {
      if (!(await this.tenants.find(tenantId, tx.em))) throw new NotFoundError(`tenant ${tenantId}`);
      await this.units.lockTree(tx.em, tenantId);
      let parentPath: string[] | undefined;
      if (input.parentId !== undefined) {
        const parent = await this.visible(p, tenantId, input.parentId, tx, 'parent unit');
        parentPath = parent.path;
      }
      authorize(p, 'units:write', { unitPath: parentPath }, parentPath ? `unit ${input.parentId}` : 'the whole tenant (a root unit)');
      const path = childPath(parentPath, input.id);
      if (path.length > MAX_UNIT_DEPTH) throw new ValidationError([{ field: 'parentId', message: `units nest at most ${MAX_UNIT_DEPTH} deep` }]);
      const unit: Unit = { tenantId, id: input.id, name: input.name, parentId: input.parentId ?? null, path, createdAt: tx.now, updatedAt: tx.now };
      if (!(await this.units.insertIfAbsent(tx.em, unit))) throw new ConflictError(`unit ${input.id} already exists`);
      const view = unitView(unit);
      await tx.record({ tenantId, entity: 'unit', entityId: unit.id, action: 'created', actor: actorOf(p), before: null, after: { ...view } });
      return view;
    });
  }

  async get(p: Principal, tenant: string | undefined, id: string): Promise<UnitView> {
    const tenantId = tenantScope(p, tenant);
    return unitView(await this.visible(p, tenantId, id));
  }

  async list(p: Principal, input: ListUnitsInput): Promise<Page<UnitView>> {
    const tenantId = tenantScope(p, input.tenant);
    const { limit, after } = parsePage(input);
    const scope = p.kind === 'operator' ? '*' : unitScope(p.grants, 'units:read');
    const rows = await this.units.list(tenantId, { parentId: input.parentId, under: input.under, q: input.q, scope }, limit + 1, after);
    return toPage(rows, limit, (u) => u.id, unitView);
  }

  async update(p: Principal, tenant: string | undefined, id: string, input: UpdateUnitInput): Promise<UnitView> {
    const tenantId = tenantScope(p, tenant);
    return this.changes.transaction(async (tx) => {
      // Before the unit is read: whether this is a move is only known from what is read.
      await this.units.lockTree(tx.em, tenantId);
      const unit = await this.visible(p, tenantId, id, tx);
      authorize(p, 'units:write', { unitPath: unit.path }, `unit ${id}`);
      const patch: Partial<Unit> = { updatedAt: tx.now };
      if (input.name !== undefined) patch.name = input.name;
      const moving = input.parentId !== undefined && input.parentId !== unit.parentId;
      if (moving) {
        let parentPath: string[] | undefined;
        if (input.parentId !== null && input.parentId !== undefined) {
          const parent = await this.visible(p, tenantId, input.parentId, tx, 'parent unit');
          if (isCycle(id, parent.path)) throw new ValidationError([{ field: 'parentId', message: 'a unit cannot move below itself' }]);
          parentPath = parent.path;
        }
        authorize(p, 'units:write', { unitPath: parentPath }, parentPath ? `unit ${input.parentId}` : 'the whole tenant (a root unit)');
        patch.parentId = input.parentId ?? null;
        patch.path = childPath(parentPath, id);
      }
      const descendants = moving ? await this.units.descendants(tenantId, id, tx.em) : [];
      const depth = Math.max(patch.path?.length ?? 0, ...descendants.map((d) => rebasePath(d.path, unit.path, patch.path ?? unit.path).length));
      if (depth > MAX_UNIT_DEPTH) throw new ValidationError([{ field: 'parentId', message: `units nest at most ${MAX_UNIT_DEPTH} deep` }]);
      await this.units.update(tx.em, tenantId, id, patch);
      const after: Unit = { ...unit, ...patch };
      await tx.record({ tenantId, entity: 'unit', entityId: id, action: 'updated', actor: actorOf(p), before: { ...unitView(unit) }, after: { ...unitView(after) } });
      // Every unit below moved too: each gets its own event, so projections only ever upsert.
      for (const d of descendants) {
        const moved: Unit = { ...d, path: rebasePath(d.path, unit.path, after.path), updatedAt: tx.now };
        await this.units.update(tx.em, tenantId, d.id, { path: moved.path, updatedAt: tx.now });
        await tx.record({ tenantId, entity: 'unit', entityId: d.id, action: 'updated', actor: actorOf(p), before: { ...unitView(d) }, after: { ...unitView(moved) } });
      }
      return unitView(after);
    });
  }

  async delete(p: Principal, tenant: string | undefined, id: string): Promise<void> {
    const tenantId = tenantScope(p, tenant);
    await this.changes.transaction(async (tx) => {
      await this.units.lockTree(tx.em, tenantId);
      const unit = await this.visible(p, tenantId, id, tx);
      authorize(p, 'units:write', { unitPath: unit.path }, `unit ${id}`);
      if (await this.units.hasChildren(tenantId, id, tx.em)) throw new ConflictError(`unit ${id} has units below it; move or delete them first`);
      await this.units.delete(tx.em, tenantId, id);
      await tx.record({ tenantId, entity: 'unit', entityId: id, action: 'deleted', actor: actorOf(p), before: { ...unitView(unit) }, after: null });
    });
  }

  /** The unit, if the principal may see it; otherwise 404, exactly as if it did not exist. */
  private async visible(p: Principal, tenantId: string, id: string, tx?: Tx, what = 'unit'): Promise<Unit> {
    const unit = await this.units.find(tenantId, id, tx?.em, !!tx);
    if (!unit || !principalAllows(p, 'units:read', { unitPath: unit.path })) throw new NotFoundError(`${what} ${id}`);
    return unit;
  }
}
