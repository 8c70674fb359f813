// The e-mail transport's payload: what a delivery of an e-mail kind stores (as JSON, like
// any payload) and how it becomes a message. Fields stay structured until the attempt, so
// the signer can write a secret into one (`fields.client_secret`) and the log can redact
// it by name; the text is rendered only then.

export interface EmailPayload {
  subject: string;
  /** Opening paragraph(s). */
  intro?: string;
  /** Shown one per line as "name: value", then once more as a JSON block a program can copy. */
  fields: Record<string, unknown>;
}

export class InvalidEmailPayloadError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidEmailPayloadError';
  }
}

export function parseEmailPayload(text: string): EmailPayload {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new InvalidEmailPayloadError('the e-mail payload is not JSON');
  }
  const p = raw as Partial<EmailPayload> | null;
  if (!p || typeof p !== 'object' || typeof p.subject !== 'string' || p.subject.trim() === '') throw new InvalidEmailPayloadError('an e-mail payload needs a subject');
  if (p.intro !== undefined && typeof p.intro !== 'string') throw new InvalidEmailPayloadError('intro must be text');
  if (!p.fields || typeof p.fields !== 'object' || Array.isArray(p.fields)) throw new InvalidEmailPayloadError('an e-mail payload needs an object of fields');
  return { subject: p.subject, ...(p.intro !== undefined ? { intro: p.intro } : {}), fields: p.fields };
}

function shown(v: unknown): string {
  if (v === null || v === undefined) return '(none)';
  if (Array.isArray(v)) return v.length === 0 ? '(none)' : v.map((x) => shown(x)).join(', ');
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

/** The plain-text message. Subject lines lose line breaks (header injection). */
export function renderEmail(p: EmailPayload): { subject: string; text: string } {
  const lines = Object.entries(p.fields).map(([k, v]) => `${k}: ${shown(v)}`);
  const parts = [...(p.intro ? [p.intro.trim(), ''] : []), ...lines, '', 'The same as JSON:', JSON.stringify(p.fields, null, 2), ''];
  return { subject: p.subject.replace(/[\r\n]+/g, ' ').trim(), text: parts.join('\n') };
}

/**
 * The mailto: URL of one address: percent-encoded (the @ left as it is, for the log's
 * reader), so that what mailtoAddress decodes is the address as given. Unencoded, a %2C
 * in an address would come out as a comma, and a comma is a second recipient.
 */
export function mailtoUrl(address: string): string {
  return `mailto:${encodeURIComponent(address).replace(/%40/g, '@')}`;
}

/** The address of a mailto: URL (one recipient, no query). */
export function mailtoAddress(url: string): string {
  const m = /^mailto:([^?]+)$/i.exec(url);
  if (!m) throw new InvalidEmailPayloadError(`${url} is not a mailto: address`);
  return decodeURIComponent(m[1]);
}
