// What the change history says about an account or user now: folded from its changes
// in stream order. Used to stop honouring access tokens of accounts that were disabled,
// deleted or had their credentials reset, without asking the registry.
import { tokenPredatesCredentials, type TokenFacts } from '@hookline/auth';
import type { Grant } from '@hookline/contracts';

export interface AccountState {
  deleted: boolean;
  enabled: boolean;
  grants?: Grant[];
  /** Milliseconds; tokens from credentials issued before this no longer count (tokenPredatesCredentials). */
  credentialsIssuedAt?: number;
}

export interface ChangeRow {
  action: string;
  after: Record<string, unknown> | null;
}

/** Undefined when the history does not know the account (yet): then the token's own claims stand. */
export function accountStateFrom(changes: ChangeRow[]): AccountState | undefined {
  let state: AccountState | undefined;
  for (const c of changes) {
    if (c.action === 'deleted') {
      state = { deleted: true, enabled: false };
      continue;
    }
    const after = c.after ?? {};
    const issued = typeof after.credentialsIssuedAt === 'string' ? Date.parse(after.credentialsIssuedAt) : undefined;
    if (c.action === 'credentials-reset') {
      if (state && issued !== undefined) state.credentialsIssuedAt = issued;
      continue;
    }
    if (c.action === 'created' || c.action === 'updated') {
      state = {
        deleted: false,
        enabled: after.enabled !== false,
        grants: Array.isArray(after.grants) ? (after.grants as Grant[]) : state?.grants,
        credentialsIssuedAt: issued ?? state?.credentialsIssuedAt,
      };
    }
  }
  return state;
}

/** Whether a token (its issue time in seconds, and the credentials it came from when it says) is still honoured by this state. */
export function honours(state: AccountState | undefined, token: Pick<TokenFacts, 'issuedAt' | 'credentialsIssuedAt'>): boolean {
  if (!state) return true;
  if (state.deleted || !state.enabled) return false;
  return state.credentialsIssuedAt === undefined || !tokenPredatesCredentials(token, state.credentialsIssuedAt);
}
