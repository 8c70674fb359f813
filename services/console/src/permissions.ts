// What the signed-in principal may do, from the grants GET /v1/auth/me answered, so the
// console does not offer what the API would refuse. The API stays the judge: this only
// decides what is shown (a 403 it answers anyway is shown as an error).

/** Every action a grant may name (the spec checks this equals @hookline/auth's ACTIONS). */
export const ACTIONS = [
  'events:publish',
  'webhooks:receive',
  'receivers:read',
  'receivers:write',
  'logs:read',
  'units:read',
  'units:write',
  'users:read',
  'users:write',
  'users:impersonate',
  'accounts:read',
  'accounts:write',
  'push:read',
  'push:write',
  'installations:read',
  'installations:write',
  'integrations:read',
  'integrations:write',
  'integrations:use',
  'listeners:read',
  'listeners:write',
] as const;
export type Action = (typeof ACTIONS)[number];

export interface Grant {
  actions: string[];
  units: '*' | string[];
  topics?: '*' | string[];
}

export type Permissions = { kind: 'operator' } | { kind: 'account' | 'user'; grants: Grant[] };

export interface Need {
  /** The action must be held on the whole tenant (units "*"): receivers, topics, settings, listeners. */
  wholeTenant?: boolean;
}

/** x:write implies x:read (as libs/auth's actionGranted). */
export function actionGranted(actions: readonly string[], action: string): boolean {
  if (actions.includes(action)) return true;
  const m = /^(.+):read$/.exec(action);
  return !!m && actions.includes(`${m[1]}:write`);
}

/** May the principal do `action` at all (somewhere, or on the whole tenant)? */
export function can(perms: Permissions | undefined, action: Action, need: Need = {}): boolean {
  if (!perms) return false;
  if (perms.kind === 'operator') return true;
  return perms.grants.some((g) => actionGranted(g.actions, action) && (!need.wholeTenant || g.units === '*'));
}

/** What each screen needs to be listed, and to offer its create / edit / delete buttons. */
export interface ScreenRights {
  read: boolean;
  write: boolean;
}

export const SCREENS: Record<string, { read: Action; write: Action; wholeTenant: boolean; operatorOnly?: boolean }> = {
  tenants: { read: 'accounts:read', write: 'accounts:write', wholeTenant: true, operatorOnly: true },
  units: { read: 'units:read', write: 'units:write', wholeTenant: false },
  users: { read: 'users:read', write: 'users:write', wholeTenant: false },
  accounts: { read: 'accounts:read', write: 'accounts:write', wholeTenant: false },
  topics: { read: 'receivers:read', write: 'receivers:write', wholeTenant: true },
  receivers: { read: 'receivers:read', write: 'receivers:write', wholeTenant: true },
  deliveries: { read: 'logs:read', write: 'receivers:write', wholeTenant: false },
  'push-types': { read: 'push:read', write: 'push:write', wholeTenant: true },
  integrations: { read: 'integrations:read', write: 'integrations:write', wholeTenant: true },
  'integration-log': { read: 'integrations:read', write: 'integrations:write', wholeTenant: true },
  templates: { read: 'installations:read', write: 'installations:write', wholeTenant: false },
  installations: { read: 'installations:read', write: 'installations:write', wholeTenant: false },
  'listener-services': { read: 'listeners:read', write: 'listeners:write', wholeTenant: true },
  listeners: { read: 'listeners:read', write: 'listeners:write', wholeTenant: true },
  'listener-logs': { read: 'listeners:read', write: 'listeners:write', wholeTenant: true },
  'audit-events': { read: 'logs:read', write: 'logs:read', wholeTenant: false },
  'audit-changes': { read: 'logs:read', write: 'logs:read', wholeTenant: true },
};

export function rightsOn(perms: Permissions | undefined, screen: keyof typeof SCREENS): ScreenRights {
  const s = SCREENS[screen];
  if (s.operatorOnly && perms?.kind !== 'operator') return { read: false, write: false };
  // Units and users are readable with a grant on some units; creating a root unit needs the whole tenant, which the API judges.
  return { read: can(perms, s.read, { wholeTenant: s.wholeTenant }), write: can(perms, s.write, { wholeTenant: s.wholeTenant }) };
}
