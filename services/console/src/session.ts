// Who is signed in. An API account's session is its short-lived access token (from
// POST /v1/auth/login), kept in sessionStorage so a reload keeps it until it expires or the
// tab closes; the account's long-lived API token and TOTP code are never kept. The operator
// token has no short-lived form, so it is kept only in this page's memory: a reload asks
// for it again.
import type { Me } from './api/types';
import type { Permissions } from './permissions';

export interface Session {
  kind: 'operator' | 'account';
  token: string;
  /** When the access token expires (accounts). */
  expiresAt?: string;
  /** The tenant the console works in: the account's own, or the one the operator picked. */
  tenant?: string;
  me: Me;
}

const KEY = 'hookline.console.session';
const TENANT_KEY = 'hookline.console.tenant';
let operatorSession: Session | undefined;

export function currentSession(): Session | undefined {
  if (operatorSession) return operatorSession;
  const raw = sessionStorage.getItem(KEY);
  if (!raw) return undefined;
  try {
    const s = JSON.parse(raw) as Session;
    if (s.kind !== 'account' || !s.expiresAt || Date.parse(s.expiresAt) <= Date.now()) {
      sessionStorage.removeItem(KEY);
      return undefined;
    }
    return s;
  } catch {
    sessionStorage.removeItem(KEY);
    return undefined;
  }
}

export function startSession(s: Session): void {
  if (s.kind === 'operator') {
    operatorSession = s;
    // The tenant picked last is a preference, not a credential.
    s.tenant = s.tenant ?? sessionStorage.getItem(TENANT_KEY) ?? undefined;
  } else {
    operatorSession = undefined;
    sessionStorage.setItem(KEY, JSON.stringify(s));
  }
}

export function endSession(): void {
  operatorSession = undefined;
  sessionStorage.removeItem(KEY);
}

export function currentTenant(): string | undefined {
  return currentSession()?.tenant;
}

/** The operator's tenant switcher. */
export function switchTenant(tenant: string): void {
  if (!operatorSession) return;
  operatorSession.tenant = tenant;
  sessionStorage.setItem(TENANT_KEY, tenant);
}

export function permissionsOf(s: Session | undefined): Permissions | undefined {
  if (!s) return undefined;
  if (s.kind === 'operator') return { kind: 'operator' };
  return { kind: s.me.kind === 'user' ? 'user' : 'account', grants: s.me.grants ?? [] };
}
