// The rules of templates and installations that need no database: which OAuth client
// settings make sense together, and which departments a signed-in user's token carries.
import type { OAuthClientSettings } from '@hookline/contracts';
import type { FieldProblem } from '@hookline/http';

/** Settings that cannot work together, each named by its field (the DTO checked each one alone). */
export function oauthSettingsProblems(o: OAuthClientSettings, prefix = 'oauth'): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const openid = o.scopes.includes('openid');
  if (o.grantType === 'client_credentials' && o.clientType === 'public') {
    problems.push({ field: `${prefix}.clientType`, message: 'client_credentials needs a confidential client (a public client has no secret to authenticate with)' });
  }
  if (o.grantType === 'authorization_code' && o.redirectUris.length === 0) {
    problems.push({ field: `${prefix}.redirectUris`, message: 'authorization_code needs at least one redirect URI' });
  }
  // The provider refuses a client whose redirect URI has a fragment (RFC 6749 §3.1.2): the
  // installation would be made and then answer every authorization with invalid_redirect_uri.
  const withFragment = o.redirectUris.filter((u) => u.includes('#'));
  if (withFragment.length > 0) {
    problems.push({ field: `${prefix}.redirectUris`, message: `a redirect URI must not have a fragment (#): ${withFragment.join(', ')}` });
  }
  if (o.algorithm === 'HS256' && o.clientType === 'public') {
    problems.push({ field: `${prefix}.algorithm`, message: 'HS256 signs with the client secret, which a public client does not have: use RS256' });
  }
  if (openid && o.algorithm === null) {
    problems.push({ field: `${prefix}.algorithm`, message: 'the openid scope needs an ID-token signing algorithm (HS256 or RS256)' });
  }
  if (openid && o.grantType === 'client_credentials') {
    problems.push({ field: `${prefix}.scopes`, message: 'openid signs in a person; client_credentials has none: leave openid out' });
  }
  return problems;
}

/**
 * The departments a token for a signed-in user carries: those of the installation that
 * the user may see (a user's unit covers the units below it). Nobody hands on more than
 * they hold: a user without access to a department does not get it through an app.
 */
export function departmentsForUser(installationUnits: readonly string[], userUnits: '*' | readonly string[], pathOf: (unit: string) => readonly string[] | undefined): string[] {
  if (userUnits === '*') return [...installationUnits];
  return installationUnits.filter((d) => (pathOf(d) ?? [d]).some((u) => userUnits.includes(u)));
}

/**
 * Characters an address may not hold although class-validator's isEmail takes them: the
 * address travels as a mailto: URL (which is percent-decoded, and ends at a '?') and then
 * through nodemailer's address parser (which splits at ',' and ';', reads a quoted part or
 * a comment, and folds line breaks into spaces). With any of these the message would go to
 * another address than the one the template shows, or to several, or nowhere.
 */
const ADDRESS_UNSAFE = /[%?",;:<>()[\]\\\s\p{Cc}]/u;

/** An e-mail channel's address, beyond what the DTO checked (a plain addr-spec, no quoting). */
export function emailAddressProblems(address: string, field = 'channel.address'): FieldProblem[] {
  const bad = ADDRESS_UNSAFE.exec(address);
  if (!bad) return [];
  return [{ field, message: `the address must be a plain name@domain without quotes, spaces or ${JSON.stringify(bad[0])}` }];
}
