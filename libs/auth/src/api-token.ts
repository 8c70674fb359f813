// API tokens: "hlk_<lookup id>.<secret>". The lookup id finds the credential row without
// scanning; only a slow, salted scrypt hash of the secret is stored.
import { randomBytes, scrypt as scryptCb, timingSafeEqual, type ScryptOptions } from 'node:crypto';

const PREFIX = 'hlk_';
const TOKEN_RE = /^hlk_([0-9a-f]{16})\.([A-Za-z0-9_-]{43})$/;

export interface ApiToken {
  /** The whole token, shown to the caller once. */
  token: string;
  /** The public lookup part, stored in clear. */
  tokenId: string;
  /** The secret part; only its hash is stored. */
  secret: string;
}

export function generateApiToken(): ApiToken {
  const tokenId = randomBytes(8).toString('hex');
  const secret = randomBytes(32).toString('base64url');
  return { token: `${PREFIX}${tokenId}.${secret}`, tokenId, secret };
}

/** Splits a token into lookup id and secret; undefined for anything that is not one of ours. */
export function parseApiToken(token: string): { tokenId: string; secret: string } | undefined {
  const m = TOKEN_RE.exec(token);
  return m ? { tokenId: m[1], secret: m[2] } : undefined;
}

/** scrypt cost: N=2^14, r=8, p=1 (about 16 MiB and tens of milliseconds per check). */
const PARAMS = { N: 16_384, r: 8, p: 1 };
const KEY_LEN = 32;

function scrypt(secret: string, salt: Buffer, keyLen: number, opts: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => scryptCb(secret, salt, keyLen, { ...opts, maxmem: 64 * 1024 * 1024 }, (err, key) => (err ? reject(err) : resolve(key))));
}

/** "scrypt$N$r$p$<salt>$<hash>", with a fresh 16-byte salt per token. */
export async function hashApiSecret(secret: string): Promise<string> {
  const salt = randomBytes(16);
  const hash = await scrypt(secret, salt, KEY_LEN, PARAMS);
  return ['scrypt', PARAMS.N, PARAMS.r, PARAMS.p, salt.toString('base64url'), hash.toString('base64url')].join('$');
}

export async function verifyApiSecret(secret: string, stored: string): Promise<boolean> {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
  const [, n, r, p, salt, hash] = parts;
  const expected = Buffer.from(hash, 'base64url');
  const actual = await scrypt(secret, Buffer.from(salt, 'base64url'), expected.length, { N: Number(n), r: Number(r), p: Number(p) });
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

/** Verified against when the account does not exist, so a miss costs as long as a wrong secret. */
export const DUMMY_SECRET_HASH = 'scrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';
