// Authorisation helpers for the service layer (no HTTP types): which tenant a call acts
// in, and whether the principal may do something. They throw domain errors, which the
// edge maps (HTTP problem+json today, gRPC status later).
import { principalAllows, type Principal, type Target, type TenantPrincipal } from '@hookline/auth';
import { ForbiddenError, NotFoundError, ValidationError } from './problems';

/**
 * The tenant a call acts in. The operator names it; an account (or a user through an
 * account) always acts in its own, and naming another one answers 404 as if it did not
 * exist: a tenant never learns whether another tenant's anything exists.
 */
export function tenantScope(p: Principal, requested: string | undefined, field = 'tenant'): string {
  if (p.kind === 'operator') {
    if (!requested) throw new ValidationError([{ field, message: `${field} is required with the operator token` }]);
    return requested;
  }
  if (requested !== undefined && requested !== p.tenantId) throw new NotFoundError(`tenant ${requested}`);
  return p.tenantId;
}

/** Throws 403 unless the principal may do `action` on `target` (an object it can already see). */
export function authorize(p: Principal, action: string, target: Target = {}, what?: string): void {
  if (!principalAllows(p, action, target)) {
    throw new ForbiddenError(`the ${action} permission does not cover ${what ?? (target.topic ? `topic ${target.topic}` : 'this object')}`);
  }
}

export function isTenantPrincipal(p: Principal): p is TenantPrincipal {
  return p.kind !== 'operator';
}
