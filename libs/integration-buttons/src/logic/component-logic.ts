// The <hookline-integrations> component's decisions, free of the DOM so they run (and are
// table-tested) in Node: how a page's buttons are shown, which error a failed trigger is,
// what each notification says, which messages may reload the page, and how a
// Server-Sent Events stream is read. The element (../element) only wires these to the page.

/** The seed's four errors (the same list as @hookline/contracts INTEGRATION_ERRORS; a spec keeps them equal). */
export type IntegrationError = 'Backend error' | 'Connection error' | 'Data error' | 'Integration error';

/** One integration: a button; several: a dropdown; none: nothing at all. */
export function presentation(count: number): 'none' | 'button' | 'dropdown' {
  return count === 0 ? 'none' : count === 1 ? 'button' : 'dropdown';
}

/**
 * A trigger that did not schedule anything: no answer, or the platform unavailable or the
 * session gone, is a "Connection error"; any other refusal means the request carried
 * invalid data: "Data error" (mirrors integrationErrorForTrigger in @hookline/contracts).
 */
export function triggerError(status: number | 'network'): IntegrationError {
  if (status === 'network' || status >= 500 || status === 401 || status === 403 || status === 408 || status === 429) return 'Connection error';
  return 'Data error';
}

export const KNOWN_ERRORS: readonly IntegrationError[] = ['Backend error', 'Connection error', 'Data error', 'Integration error'];

/** The error a refused trigger names (problem+json `integrationError`), else the one its status means. */
export function errorOfRefusal(status: number, body: unknown): IntegrationError {
  const named = (body as { integrationError?: unknown } | null)?.integrationError;
  return KNOWN_ERRORS.includes(named as IntegrationError) ? (named as IntegrationError) : triggerError(status);
}

export type NoticeKind = 'info' | 'success' | 'error';
export interface Notice {
  kind: NoticeKind;
  text: string;
}

export const notices = {
  scheduled: (name: string): Notice => ({ kind: 'info', text: `${name}: integration request scheduled` }),
  succeeded: (name: string): Notice => ({ kind: 'success', text: `${name}: integration request succeeded` }),
  /** The seed's words exactly: "Integration request failed (<error>)". */
  failed: (error: IntegrationError): Notice => ({ kind: 'error', text: `Integration request failed (${error})` }),
};

/** Object ids from an attribute: separated by commas or white space, in order, empty ones dropped. */
export function parseObjectIds(raw: string | null | undefined): string[] {
  return (raw ?? '').split(/[\s,]+/).filter((s) => s !== '');
}

/** A window or frame this component opened, and the origin its target URL has. */
export interface Opened<W> {
  window: W;
  origin: string;
}

/**
 * The seed's two-way communication: a window or frame the component opened may post
 * "reload" to make the host page reload. Anything else is ignored: another message, a
 * window the component did not open, or one that has navigated to another origin.
 */
export function acceptsReload<W>(event: { data: unknown; origin: string; source: unknown }, opened: readonly Opened<W>[]): boolean {
  if (event.data !== 'reload') return false;
  return opened.some((o) => o.window === event.source && o.origin === event.origin);
}

/** A path from the API (e.g. a trigger's href) against the component's api base URL. */
export function apiUrl(base: string, path: string): string {
  const b = base.endsWith('/') ? base.slice(0, -1) : base;
  return /^https?:\/\//.test(path) ? path : `${b}${path.startsWith('/') ? '' : '/'}${path}`;
}

export interface SseEvent {
  event: string;
  data: string;
  id?: string;
}

/** Reads a text/event-stream incrementally (the HTML standard's rules, without retry). */
export class SseParser {
  private buffer = '';
  private data: string[] = [];
  private event = '';
  private id: string | undefined;

  feed(chunk: string): SseEvent[] {
    this.buffer += chunk;
    const out: SseEvent[] = [];
    for (;;) {
      const m = /\r\n|\r|\n/.exec(this.buffer);
      if (!m) break;
      const line = this.buffer.slice(0, m.index);
      this.buffer = this.buffer.slice(m.index + m[0].length);
      if (line === '') {
        if (this.data.length > 0) out.push({ event: this.event || 'message', data: this.data.join('\n'), ...(this.id !== undefined ? { id: this.id } : {}) });
        this.data = [];
        this.event = '';
        continue;
      }
      if (line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'data') this.data.push(value);
      else if (field === 'event') this.event = value;
      else if (field === 'id') this.id = value;
    }
    return out;
  }
}
