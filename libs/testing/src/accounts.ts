// Test helpers for API accounts: make them, compute their TOTP codes with an independent
// library (otpauth), log in, and dump the database as text to look for leaked secrets.
import assert from 'node:assert/strict';
import * as OTPAuth from 'otpauth';
import { Client } from 'pg';
import { ApiClient } from './api-client';

export interface GrantSpec {
  actions: string[];
  units: '*' | string[];
  topics?: '*' | string[];
}

export interface TestAccount {
  id: string;
  tenant: string;
  name: string;
  token: string;
  totpSecret: string;
  otpauthUri: string;
  /** The next TOTP code not used yet (waits for the next time step when it must). */
  nextCode(): Promise<string>;
}

const PERIOD_MS = 30_000;

/** Hands out codes for steps later than any handed out before, within the server's ±1 step window. */
export function codeSource(totpSecret: string): () => Promise<string> {
  const totp = new OTPAuth.TOTP({ secret: OTPAuth.Secret.fromBase32(totpSecret), algorithm: 'SHA1', digits: 6, period: 30 });
  let last = -Infinity;
  return async () => {
    for (;;) {
      const now = Math.floor(Date.now() / PERIOD_MS);
      // The server takes now-1..now+1 for steps later than the last used, so now+1 is the spare.
      const step = last < now ? now : last === now ? now + 1 : undefined;
      if (step !== undefined) {
        last = step;
        return totp.generate({ timestamp: step * PERIOD_MS });
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  };
}

export async function createAccount(client: ApiClient, body: { tenant?: string; name: string; grants: GrantSpec[]; description?: string }): Promise<TestAccount> {
  const res = await client.post('/v1/accounts', body);
  assert.equal(res.status, 201, res.text);
  const { account, credentials } = res.body;
  return {
    id: account.id,
    tenant: account.tenant,
    name: account.name,
    token: credentials.token,
    totpSecret: credentials.totp.secret,
    otpauthUri: credentials.totp.otpauthUri,
    nextCode: codeSource(credentials.totp.secret),
  };
}

/** Logs in with the next code; returns a client carrying the access token, and the login answer. */
export async function login(anonymous: ApiClient, account: TestAccount): Promise<{ client: ApiClient; body: any }> {
  const res = await anonymous.post('/v1/auth/login', { account: account.id, token: account.token, totp: await account.nextCode() });
  assert.equal(res.status, 200, res.text);
  return { client: anonymous.withToken(res.body.accessToken), body: res.body };
}

/** Every row of every table in the public schema, as text: what a database dump would show. */
export async function dumpDatabase(databaseUrl: string): Promise<string> {
  const db = new Client({ connectionString: databaseUrl });
  await db.connect();
  try {
    const tables = await db.query<{ table_name: string }>("SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'");
    const parts: string[] = [];
    for (const { table_name } of tables.rows) {
      const rows = await db.query(`SELECT t::text AS row FROM "${table_name}" t`);
      parts.push(`-- ${table_name}`, ...rows.rows.map((r) => String(r.row)));
    }
    return parts.join('\n');
  } finally {
    await db.end();
  }
}
