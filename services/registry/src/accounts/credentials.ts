// An account's credentials: made here, shown to the caller once, and stored only as a
// hash (the API token) and sealed (the TOTP secret).
import {
  base32Encode,
  generateApiToken,
  generateTotpSecret,
  hashApiSecret,
  open,
  seal,
  TOTP_ALGORITHM,
  TOTP_DIGITS,
  TOTP_PERIOD_SECONDS,
  totpUri,
} from '@hookline/auth';

export const TOTP_ISSUER = 'Hookline';

/** The one response that ever contains them. */
export interface IssuedCredentials {
  token: string;
  totp: { secret: string; otpauthUri: string; algorithm: string; digits: number; period: number };
}

export interface StoredCredentials {
  tokenId: string;
  tokenHash: string;
  totpSecretSealed: string;
}

/** The context a TOTP secret is sealed under: copied onto another account's row, it does not decrypt. */
export function totpAad(accountId: string): string {
  return `account:${accountId}:totp`;
}

export async function issueCredentials(key: Buffer, account: { id: string; tenantId: string; name: string }): Promise<{ issued: IssuedCredentials; stored: StoredCredentials }> {
  const token = generateApiToken();
  const secret = generateTotpSecret();
  return {
    issued: {
      token: token.token,
      totp: {
        secret: base32Encode(secret),
        otpauthUri: totpUri({ issuer: TOTP_ISSUER, label: `${account.tenantId}/${account.name}`, secret }),
        algorithm: TOTP_ALGORITHM,
        digits: TOTP_DIGITS,
        period: TOTP_PERIOD_SECONDS,
      },
    },
    stored: { tokenId: token.tokenId, tokenHash: await hashApiSecret(token.secret), totpSecretSealed: seal(key, secret, totpAad(account.id)) },
  };
}

export function openTotpSecret(key: Buffer, account: { id: string; totpSecretSealed: string }): Buffer {
  return open(key, account.totpSecretSealed, totpAad(account.id));
}
