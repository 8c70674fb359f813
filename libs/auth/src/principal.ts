// Who is calling: the operator, an API account, or an API account acting as a user.
// Services take a Principal as a plain input (no HTTP types), so the same operations
// can be exposed over gRPC later.
import type { Actor, Grant } from '@hookline/contracts';
import { allows, holdsAction, type Target } from './grants';

export interface TokenFacts {
  /** The access token's id (jti). */
  tokenId: string;
  /** Seconds since the epoch. */
  issuedAt: number;
  expiresAt: number;
  /**
   * When the account's credentials the token came from were issued (ms since the epoch;
   * claim `cia`). Tells a token of the current credentials from one of the credentials a
   * reset replaced, also within the same second. Absent in tokens issued before it existed.
   */
  credentialsIssuedAt?: number;
}

/**
 * Whether a token comes from credentials older than the account's current ones
 * (`currentMs`, when they were issued): by its `cia` claim when it has one, so a reset
 * in the same second as the token ends it too; else by its issue time in whole seconds.
 */
export function tokenPredatesCredentials(t: Pick<TokenFacts, 'issuedAt' | 'credentialsIssuedAt'>, currentMs: number): boolean {
  if (t.credentialsIssuedAt !== undefined) return t.credentialsIssuedAt < currentMs;
  return t.issuedAt < Math.floor(currentMs / 1000);
}

export type OperatorPrincipal = { kind: 'operator' };
export type AccountPrincipal = { kind: 'account'; tenantId: string; accountId: string; accountName?: string; grants: Grant[] } & TokenFacts;
export type UserPrincipal = {
  kind: 'user';
  tenantId: string;
  userId: string;
  userName?: string;
  accountId: string;
  accountName?: string;
  /** The account's grants limited to the units the user may see. */
  grants: Grant[];
} & TokenFacts;

export type Principal = OperatorPrincipal | AccountPrincipal | UserPrincipal;
export type TenantPrincipal = AccountPrincipal | UserPrincipal;

export const OPERATOR: OperatorPrincipal = Object.freeze({ kind: 'operator' });

export function actorOf(p: Principal): Actor {
  switch (p.kind) {
    case 'operator':
      return { kind: 'operator' };
    case 'account':
      return { kind: 'account', accountId: p.accountId, ...(p.accountName ? { accountName: p.accountName } : {}) };
    case 'user':
      return {
        kind: 'user',
        userId: p.userId,
        ...(p.userName ? { userName: p.userName } : {}),
        accountId: p.accountId,
        ...(p.accountName ? { accountName: p.accountName } : {}),
      };
  }
}

/** The operator may do anything; an account or user only what its grants allow. */
export function principalAllows(p: Principal, action: string, target: Target = {}): boolean {
  return p.kind === 'operator' || allows(p.grants, action, target);
}

export function principalHolds(p: Principal, action: string): boolean {
  return p.kind === 'operator' || holdsAction(p.grants, action);
}

/** How a host event records its publisher: "operator", "account:<id>", "user:<id> via account:<id>". */
export function publishedByOf(p: Principal): string {
  switch (p.kind) {
    case 'operator':
      return 'operator';
    case 'account':
      return `account:${p.accountId}`;
    case 'user':
      return `user:${p.userId} via account:${p.accountId}`;
  }
}
