// Every request is checked against the JSON schema published in @hookline/contracts,
// so the documented contract and what the signer accepts cannot drift apart.
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import { SIGNER_SCHEMAS, type RpcRequestOf, type RpcSubject } from '@hookline/contracts';

const ajv = new Ajv({ allErrors: true, strict: true });
ajv.addFormat('uri', (s: string) => {
  try {
    new URL(s);
    return true;
  } catch {
    return false;
  }
});
ajv.addFormat('date-time', (s: string) => /^\d{4}-\d{2}-\d{2}T/.test(s) && !Number.isNaN(Date.parse(s)));

const requestValidators = new Map<string, ValidateFunction>();
const replyValidators = new Map<string, ValidateFunction>();
for (const [subject, s] of Object.entries(SIGNER_SCHEMAS)) {
  requestValidators.set(subject, ajv.compile(s.request));
  replyValidators.set(subject, ajv.compile(s.response));
}

function describe(errors: ErrorObject[] | null | undefined): string {
  const lines = (errors ?? [])
    // oneOf reports every branch; the branch-level complaints say more.
    .filter((e) => e.keyword !== 'oneOf' && e.keyword !== 'const')
    .map((e) => `${e.instancePath || '(request)'} ${e.message ?? 'is invalid'}${e.keyword === 'additionalProperties' ? ` (${String(e.params.additionalProperty)})` : ''}`);
  return [...new Set(lines)].slice(0, 5).join('; ') || 'does not match the schema';
}

export type Checked<S extends RpcSubject> = { ok: true; request: RpcRequestOf<S> } | { ok: false; message: string };

export function checkRequest<S extends RpcSubject>(subject: S, data: unknown): Checked<S> {
  const v = requestValidators.get(subject);
  if (!v) return { ok: false, message: `no schema for ${subject}` };
  if (v(data)) return { ok: true, request: data as RpcRequestOf<S> };
  return { ok: false, message: describe(v.errors) };
}

/** For tests: does a reply match its published schema? */
export function replyProblems(subject: RpcSubject, data: unknown): string | undefined {
  const v = replyValidators.get(subject);
  if (!v) return `no schema for ${subject}`;
  return v(data) ? undefined : describe(v.errors);
}
