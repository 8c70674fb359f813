import { Injectable } from '@nestjs/common';
import { actorOf, allows, unitScope, type Grant, type Principal } from '@hookline/auth';
import type { UserView } from '@hookline/contracts';
import { ConflictError, ForbiddenError, NotFoundError, tenantScope, ValidationError } from '@hookline/http';
import { ChangeLog, Tx } from '../outbox/change-log';
import { Page, PageRequest, parsePage, toPage } from '../paging';
import { TenantsRepository } from '../tenants/tenants.repository';
import { UnitsRepository } from '../units/units.repository';
import { User } from './entities/user.entity';
import { userUnits, userView, UsersRepository } from './users.repository';

export interface CreateUserInput {
  tenant?: string;
  id: string;
  displayName: string;
  units: '*' | string[];
}

export interface UpdateUserInput {
  displayName?: string;
  units?: '*' | string[];
}

export interface ListUsersInput extends PageRequest {
  tenant?: string;
  unit?: string;
  q?: string;
}

/**
 * Whether the principal may `action` a user who sees `units`: "*" needs the whole
 * tenant; a list needs every unit (mode "all", for writes) or one of them (mode "any",
 * for seeing the user). A user who sees no unit belongs to the tenant as a whole.
 */
export function coversUser(p: Principal, action: string, units: '*' | string[], paths: Map<string, string[]>, mode: 'all' | 'any'): boolean {
  if (p.kind === 'operator') return true;
  return grantsCoverUser(p.grants, action, units, paths, mode);
}

/** coversUser for grants held by no principal of this request (the account behind an impersonation token). */
export function grantsCoverUser(grants: readonly Grant[], action: string, units: '*' | string[], paths: Map<string, string[]>, mode: 'all' | 'any'): boolean {
  if (units === '*' || units.length === 0) return allows(grants, action, {});
  const ok = (u: string) => allows(grants, action, { unitPath: paths.get(u) ?? [u] });
  return mode === 'all' ? units.every(ok) : units.some(ok);
}

@Injectable()
export class UsersService {
  constructor(
    private readonly users: UsersRepository,
    private readonly units: UnitsRepository,
    private readonly tenants: TenantsRepository,
    private readonly changes: ChangeLog,
  ) {}

  async create(p: Principal, input: CreateUserInput): Promise<UserView> {
    const tenantId = tenantScope(p, input.tenant);
    return this.changes.transaction(async (tx) => {
      if (!(await this.tenants.find(tenantId, tx.em))) throw new NotFoundError(`tenant ${tenantId}`);
      const paths = await this.knownUnits(tenantId, input.units, tx);
      if (!coversUser(p, 'users:write', input.units, paths, 'all')) throw new ForbiddenError('the users:write permission does not cover every unit this user may see');
      const units = input.units === '*' ? [] : [...new Set(input.units)];
      const user: User = { tenantId, id: input.id, displayName: input.displayName, allUnits: input.units === '*', units, createdAt: tx.now, updatedAt: tx.now };
      if (!(await this.users.insertIfAbsent(tx.em, user))) throw new ConflictError(`user ${input.id} already exists`);
      const view = userView(user);
      await tx.record({ tenantId, entity: 'user', entityId: user.id, action: 'created', actor: actorOf(p), before: null, after: { ...view } });
      return view;
    });
  }

  async get(p: Principal, tenant: string | undefined, id: string): Promise<UserView> {
    const tenantId = tenantScope(p, tenant);
    return userView((await this.visible(p, tenantId, id)).user);
  }

  async list(p: Principal, input: ListUsersInput): Promise<Page<UserView>> {
    const tenantId = tenantScope(p, input.tenant);
    const { limit, after } = parsePage(input);
    const scope = p.kind === 'operator' ? '*' : unitScope(p.grants, 'users:read');
    let unitPath: string[] | undefined;
    if (input.unit) unitPath = (await this.units.paths(tenantId, [input.unit])).get(input.unit) ?? [input.unit];
    const rows = await this.users.list(tenantId, { scope, unitPath, q: input.q }, limit + 1, after);
    return toPage(rows, limit, (u) => u.id, userView);
  }

  async update(p: Principal, tenant: string | undefined, id: string, input: UpdateUserInput): Promise<UserView> {
    const tenantId = tenantScope(p, tenant);
    return this.changes.transaction(async (tx) => {
      const { user, paths } = await this.visible(p, tenantId, id, tx);
      if (!coversUser(p, 'users:write', userUnits(user), paths, 'all')) throw new ForbiddenError(`the users:write permission does not cover every unit user ${id} may see`);
      const patch: Partial<User> = { updatedAt: tx.now };
      if (input.displayName !== undefined) patch.displayName = input.displayName;
      if (input.units !== undefined) {
        const newPaths = await this.knownUnits(tenantId, input.units, tx);
        if (!coversUser(p, 'users:write', input.units, newPaths, 'all')) throw new ForbiddenError('the users:write permission does not cover every unit this user may see');
        patch.allUnits = input.units === '*';
        patch.units = input.units === '*' ? [] : [...new Set(input.units)];
      }
      await this.users.update(tx.em, tenantId, id, patch);
      const after: User = { ...user, ...patch };
      await tx.record({ tenantId, entity: 'user', entityId: id, action: 'updated', actor: actorOf(p), before: { ...userView(user) }, after: { ...userView(after) } });
      return userView(after);
    });
  }

  async delete(p: Principal, tenant: string | undefined, id: string): Promise<void> {
    const tenantId = tenantScope(p, tenant);
    await this.changes.transaction(async (tx) => {
      const { user, paths } = await this.visible(p, tenantId, id, tx);
      if (!coversUser(p, 'users:write', userUnits(user), paths, 'all')) throw new ForbiddenError(`the users:write permission does not cover every unit user ${id} may see`);
      await this.users.delete(tx.em, tenantId, id);
      await tx.record({ tenantId, entity: 'user', entityId: id, action: 'deleted', actor: actorOf(p), before: { ...userView(user) }, after: null });
    });
  }

  /** Unit ids must exist in the tenant: answered the same whether they exist elsewhere or nowhere. */
  private async knownUnits(tenantId: string, units: '*' | string[], tx: Tx): Promise<Map<string, string[]>> {
    if (units === '*') return new Map();
    const paths = await this.units.paths(tenantId, units, tx.em);
    const i = units.findIndex((u) => !paths.has(u));
    if (i >= 0) throw new ValidationError([{ field: `units[${i}]`, message: `unit ${units[i]} does not exist` }]);
    return paths;
  }

  private async visible(p: Principal, tenantId: string, id: string, tx?: Tx): Promise<{ user: User; paths: Map<string, string[]> }> {
    const user = await this.users.find(tenantId, id, tx?.em, !!tx);
    if (!user) throw new NotFoundError(`user ${id}`);
    const paths = await this.units.paths(tenantId, user.units, tx?.em);
    if (!coversUser(p, 'users:read', userUnits(user), paths, 'any')) throw new NotFoundError(`user ${id}`);
    return { user, paths };
  }
}
