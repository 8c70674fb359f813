// Sign-in both ways, sign-out, and what react-admin asks of a session.
import type { AuthProvider } from 'react-admin';
import { api } from './api/client';
import type { LoginAnswer, Me, Page, Tenant } from './api/types';
import { currentSession, endSession, permissionsOf, startSession } from './session';

export type LoginParams =
  | { mode: 'operator'; operatorToken: string }
  | { mode: 'account'; account: string; token: string; totp: string };

export const authProvider: AuthProvider = {
  async login(params: LoginParams) {
    if (params.mode === 'operator') {
      const me = await api<Me>('GET', '/v1/auth/me', { token: params.operatorToken.trim(), tenant: 'none' });
      if (me.kind !== 'operator') throw new Error('this is not the operator token (use the API account sign-in)');
      startSession({ kind: 'operator', token: params.operatorToken.trim(), me });
      const s = currentSession();
      if (s && !s.tenant) {
        // Start in the first tenant; the switcher in the app bar changes it.
        const tenants = await api<Page<Tenant>>('GET', '/v1/tenants', { query: { limit: 1 }, tenant: 'none' });
        s.tenant = tenants.data[0]?.id;
      }
      return;
    }
    const answer = await api<LoginAnswer>('POST', '/v1/auth/login', { body: { account: params.account.trim(), token: params.token.trim(), totp: params.totp.trim() }, tenant: 'none' });
    const me = await api<Me>('GET', '/v1/auth/me', { token: answer.accessToken, tenant: 'none' });
    startSession({ kind: 'account', token: answer.accessToken, expiresAt: answer.expiresAt, tenant: answer.account.tenant, me });
  },
  async logout() {
    endSession();
  },
  async checkAuth() {
    if (!currentSession()) throw new Error('signed out');
  },
  async checkError(error: { status?: number }) {
    // 401: the token expired or the account was disabled; 403 is a refusal shown where it happened.
    if (error?.status === 401) {
      endSession();
      throw new Error('Your session ended: sign in again');
    }
  },
  async getPermissions() {
    return permissionsOf(currentSession());
  },
  async getIdentity() {
    const s = currentSession();
    if (!s) throw new Error('signed out');
    if (s.kind === 'operator') return { id: 'operator', fullName: 'Operator' };
    const who = s.me.user ? `${s.me.user.name} via ${s.me.account?.name}` : (s.me.account?.name ?? 'account');
    return { id: s.me.account?.id ?? 'account', fullName: `${who} (${s.tenant})` };
  },
};
