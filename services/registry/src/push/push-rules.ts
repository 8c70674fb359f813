// The push feature's rules that need no I/O: which parameters exist only globally, and
// the explicit flags of a type as the one resolution rule (@hookline/contracts) reads them.
import type { FieldProblem } from '@hookline/http';
import type { PushFlags, PushFlagView } from '@hookline/contracts';
import { urlCarriesCredentials } from '../url-credentials';

/** The seed's system parameters: settable only globally (sp083), never per unit (sp213). */
export const GLOBAL_ONLY_PARAMETERS = ['notification_server_url', 'notification_jwt', 'notification_days_before'] as const;

/**
 * The problems of an attempt to set system parameters for a unit: one per parameter
 * given (all three when none is), and one on `unit` itself.
 */
export function globalOnlyProblems(input: Partial<Record<(typeof GLOBAL_ONLY_PARAMETERS)[number], unknown>>, unit: string): FieldProblem[] {
  const given = GLOBAL_ONLY_PARAMETERS.filter((k) => input[k] !== undefined);
  const named = given.length > 0 ? given : GLOBAL_ONLY_PARAMETERS;
  return [
    ...named.map((field) => ({ field, message: `${field} can only be set globally, not for a unit (unit ${unit})` })),
    { field: 'unit', message: `the push system parameters (${GLOBAL_ONLY_PARAMETERS.join(', ')}) have no per-unit value; leave unit out` },
  ];
}

/**
 * A notification_server_url with a user name or password (`https://user:pass@host/push`):
 * the URL is no secret (every answer, the change log and the delivery log show it to all
 * who read them), so credentials in it would leak; they belong in notification_jwt. The
 * same rule as for a receiver's URL. Never echoes the URL.
 */
export function serverUrlCredentialsProblem(raw: string): FieldProblem | undefined {
  if (!urlCarriesCredentials(raw)) return undefined;
  return {
    field: 'notification_server_url',
    message: 'notification_server_url must not carry a user name or password (user:password@): the URL is shown to everyone who reads the settings, the change log or the delivery log; send credentials as notification_jwt',
  };
}

/** The explicit flags of one type, from its flag rows. */
export function flagsOf(type: string, flags: readonly Pick<PushFlagView, 'type' | 'unit' | 'enabled'>[]): PushFlags {
  const units = new Map<string, boolean>();
  let global: boolean | undefined;
  for (const f of flags) {
    if (f.type !== type) continue;
    if (f.unit === null) global = f.enabled;
    else units.set(f.unit, f.enabled);
  }
  return global === undefined ? { units } : { global, units };
}
