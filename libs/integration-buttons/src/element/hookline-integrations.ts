// <hookline-integrations page="client" object-id="123" api="https://hookline.example" token="…">
// The custom-integration buttons of one host page (custom-integrations.txt): one button,
// or a dropdown when the page has several, in the seed's brown (themable with CSS custom
// properties); background requests with their notifications (the job's state pushed over
// Server-Sent Events while the page is open); new windows (GET URL or POST form); a side
// panel with the target in an iframe; and "reload" posted back by a window or frame it
// opened. Decisions live in ../logic (tested in Node); this file wires them to the page.
import { css, html, LitElement, nothing, type PropertyValues, type TemplateResult } from 'lit';
import {
  acceptsReload,
  apiUrl,
  errorOfRefusal,
  notices,
  parseObjectIds,
  presentation,
  SseParser,
  triggerError,
  type IntegrationError,
  type Notice,
  type Opened,
} from '../logic/component-logic';

type ForegroundRequest = { method: 'GET'; url: string } | { method: 'POST'; url: string; fields: [string, string][] };

interface IntegrationButton {
  id: string;
  name: string;
  action: 'background' | 'new_window' | 'side_panel';
  method: 'GET' | 'POST';
  origin: string;
  trigger?: { method: 'POST'; href: string };
  request?: ForegroundRequest;
}

interface JobUpdate {
  state: 'scheduled' | 'sending' | 'succeeded' | 'failed';
  error?: IntegrationError;
  statusCode?: number;
}

interface ShownNotice extends Notice {
  id: number;
}

interface Panel {
  button: IntegrationButton;
  frameName: string;
  /** Set when the target refuses to be framed. */
  refused?: string;
}

const NOTICE_MS = { info: 6000, success: 8000, error: 15000 } as const;
const POLL_MS = 1000;
const FOLLOW_MS = 5 * 60_000;

let instances = 0;

/**
 * The notifications of every <hookline-integrations> on the page, shown in one stack by
 * the first one connected that the page shows: two components notifying at once stack
 * their notices instead of drawing them on top of each other (each one's fixed stack at
 * the same place), and a component in a hidden part of the page (another tab, a closed
 * section: display none) would draw them where nobody sees them.
 */
const board = {
  notices: [] as ShownNotice[],
  seq: 0,
  members: new Set<HooklineIntegrations>(),
  leader(): HooklineIntegrations | undefined {
    let first: HooklineIntegrations | undefined;
    for (const m of this.members) {
      // No box at all: it, or a part of the page around it, is not displayed.
      if (m.getClientRects().length > 0) return m;
      first ??= m;
    }
    return first;
  },
  changed(): void {
    for (const m of this.members) m.requestUpdate();
  },
  add(n: Notice): void {
    const shown = { ...n, id: ++this.seq };
    this.notices = [...this.notices, shown];
    this.changed();
    setTimeout(() => this.dismiss(shown.id), NOTICE_MS[n.kind]);
  },
  dismiss(id: number): void {
    const before = this.notices.length;
    this.notices = this.notices.filter((n) => n.id !== id);
    if (this.notices.length !== before) this.changed();
  },
};

export class HooklineIntegrations extends LitElement {
  static override properties = {
    page: { type: String },
    objectId: { type: String, attribute: 'object-id' },
    objectIds: {
      attribute: 'object-ids',
      converter: { fromAttribute: (v: string | null) => parseObjectIds(v), toAttribute: (v: string[]) => v.join(',') },
    },
    api: { type: String },
    token: { type: String },
    label: { type: String },
    buttons: { state: true },
    menuOpen: { state: true },
    panel: { state: true },
    loadError: { state: true },
  };

  /** The page kind: client, patient, invoice, consultation, appointment_calendar, shift_calendar, diagnostic_imaging, reminders. */
  declare page: string;
  /** The object the page shows (client id, patient id, …). */
  declare objectId: string | undefined;
  /** Reminders: the selected ids, in order (attribute object-ids="3,1,2", or set the property to an array). */
  declare objectIds: string[] | undefined;
  /** The Hookline API base URL. */
  declare api: string;
  /** An access token of the host application's current user (an account's, or a user's through an account). */
  declare token: string;
  /** The dropdown's label when a page has several integrations. */
  declare label: string;
  declare buttons: IntegrationButton[];
  declare menuOpen: boolean;
  declare panel: Panel | undefined;
  declare loadError: IntegrationError | undefined;

  private readonly instance = ++instances;
  private opened: Opened<unknown>[] = [];
  private loadSeq = 0;
  private readonly follows = new Set<AbortController>();

  constructor() {
    super();
    this.page = '';
    this.api = '';
    this.token = '';
    this.label = 'Integrations';
    this.buttons = [];
    this.menuOpen = false;
  }

  static override styles = css`
    :host {
      display: inline-block;
      position: relative;
      font-family: var(--hookline-font, inherit);
      font-size: var(--hookline-font-size, 14px);
      --_bg: var(--hookline-button-background, #8b5a2b);
      --_fg: var(--hookline-button-color, #fffaf3);
      --_border: var(--hookline-button-border-color, #6b4220);
      --_hover: var(--hookline-button-hover-background, #704620);
      --_radius: var(--hookline-button-radius, 4px);
    }
    :host([hidden]) {
      display: none;
    }
    button.hl {
      background: var(--_bg);
      color: var(--_fg);
      border: 1px solid var(--_border);
      border-radius: var(--_radius);
      padding: var(--hookline-button-padding, 6px 14px);
      font: inherit;
      font-weight: 600;
      white-space: nowrap;
      cursor: pointer;
      box-shadow: 0 1px 0 rgba(0, 0, 0, 0.15);
    }
    button.hl:hover,
    button.hl:focus-visible {
      background: var(--_hover);
    }
    button.hl:focus-visible {
      outline: 2px solid var(--hookline-focus-color, #d9a066);
      outline-offset: 2px;
    }
    .caret {
      margin-left: 6px;
      font-size: 0.8em;
    }
    [role='menu'] {
      position: absolute;
      z-index: var(--hookline-z-index, 1000);
      min-width: 100%;
      margin: 4px 0 0;
      padding: 4px 0;
      list-style: none;
      background: var(--hookline-menu-background, #fffaf3);
      border: 1px solid var(--_border);
      border-radius: var(--_radius);
      box-shadow: 0 4px 12px rgba(0, 0, 0, 0.18);
    }
    [role='menuitem'] {
      display: block;
      width: 100%;
      text-align: left;
      white-space: nowrap;
      padding: 6px 14px;
      border: 0;
      background: none;
      font: inherit;
      color: var(--hookline-menu-color, #4a2c12);
      cursor: pointer;
    }
    [role='menuitem']:hover,
    [role='menuitem']:focus-visible {
      background: var(--hookline-menu-hover-background, #f1e2cf);
    }
    .notices {
      position: fixed;
      top: var(--hookline-notice-top, 12px);
      left: 50%;
      transform: translateX(-50%);
      z-index: calc(var(--hookline-z-index, 1000) + 2);
      display: flex;
      flex-direction: column;
      gap: 8px;
      width: min(560px, 92vw);
    }
    .notice {
      display: flex;
      align-items: center;
      justify-content: space-between;
      gap: 12px;
      padding: 10px 14px;
      border-radius: 6px;
      box-shadow: 0 2px 8px rgba(0, 0, 0, 0.2);
    }
    .notice.info {
      background: var(--hookline-notice-info-background, #e7f0fa);
      color: var(--hookline-notice-info-color, #123a63);
    }
    .notice.success {
      background: var(--hookline-notice-success-background, #e3f4e6);
      color: var(--hookline-notice-success-color, #1d5b2a);
    }
    .notice.error {
      background: var(--hookline-notice-error-background, #c62828);
      color: var(--hookline-notice-error-color, #ffffff);
    }
    .notice button {
      background: none;
      border: 0;
      color: inherit;
      font-size: 1.1em;
      cursor: pointer;
    }
    .panel {
      position: fixed;
      top: 0;
      right: 0;
      bottom: 0;
      width: var(--hookline-panel-width, min(520px, 92vw));
      z-index: calc(var(--hookline-z-index, 1000) + 1);
      display: flex;
      flex-direction: column;
      background: var(--hookline-panel-background, #ffffff);
      border-left: 4px solid var(--_bg);
      box-shadow: -4px 0 16px rgba(0, 0, 0, 0.25);
    }
    .panel header {
      display: flex;
      align-items: center;
      justify-content: space-between;
      padding: 8px 12px;
      background: var(--_bg);
      color: var(--_fg);
      font-weight: 600;
    }
    .panel header button {
      background: none;
      border: 0;
      color: inherit;
      font-size: 1.4em;
      line-height: 1;
      cursor: pointer;
    }
    .panel iframe {
      flex: 1;
      border: 0;
      width: 100%;
    }
    .refused {
      padding: 16px;
      color: var(--hookline-menu-color, #4a2c12);
    }
    .refused a {
      color: var(--_bg);
      font-weight: 600;
    }
  `;

  private readonly onMessage = (e: MessageEvent): void => {
    if (!acceptsReload({ data: e.data, origin: e.origin, source: e.source }, this.opened)) return;
    const go = this.dispatchEvent(new CustomEvent('hookline-reload', { bubbles: true, composed: true, cancelable: true, detail: { origin: e.origin } }));
    if (go) window.location.reload();
  };

  private readonly onKey = (e: KeyboardEvent): void => {
    if (e.key !== 'Escape') return;
    if (this.menuOpen) this.menuOpen = false;
    else if (this.panel) this.closePanel();
  };

  private readonly onOutside = (e: Event): void => {
    if (this.menuOpen && !e.composedPath().includes(this)) this.menuOpen = false;
  };

  override connectedCallback(): void {
    super.connectedCallback();
    board.members.add(this);
    window.addEventListener('message', this.onMessage);
    window.addEventListener('keydown', this.onKey);
    document.addEventListener('click', this.onOutside);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    board.members.delete(this);
    // Another component on the page shows the notices from now on.
    board.changed();
    window.removeEventListener('message', this.onMessage);
    window.removeEventListener('keydown', this.onKey);
    document.removeEventListener('click', this.onOutside);
    for (const c of this.follows) c.abort();
    this.follows.clear();
  }

  /** The ids a click sends: the selected reminders, or the page's object. */
  get selectedIds(): string[] {
    if (this.objectIds && this.objectIds.length > 0) return [...this.objectIds];
    return this.objectId ? [this.objectId] : [];
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (['page', 'objectId', 'objectIds', 'api', 'token'].some((k) => (changed as Map<PropertyKey, unknown>).has(k))) void this.load();
  }

  private headers(json = false): Record<string, string> {
    return { authorization: `Bearer ${this.token}`, ...(json ? { 'content-type': 'application/json' } : {}) };
  }

  /** Fetches the page's buttons (foreground verification hashes are computed now, at render time). */
  private async load(): Promise<void> {
    const seq = ++this.loadSeq;
    const ids = this.selectedIds;
    if (!this.page || !this.api || !this.token || ids.length === 0) {
      this.buttons = [];
      return;
    }
    const q = new URLSearchParams({ page: this.page });
    for (const id of ids) q.append('objectId', id);
    let res: Response;
    try {
      res = await fetch(apiUrl(this.api, `/v1/integrations/buttons?${q}`), { headers: this.headers() });
    } catch {
      if (seq === this.loadSeq) this.loadFailed(triggerError('network'));
      return;
    }
    const body = (await res.json().catch(() => null)) as { buttons?: IntegrationButton[] } | null;
    if (seq !== this.loadSeq) return;
    if (!res.ok || !Array.isArray(body?.buttons)) {
      this.loadFailed(errorOfRefusal(res.status, body));
      return;
    }
    this.loadError = undefined;
    this.buttons = body.buttons;
    this.dispatchEvent(new CustomEvent('hookline-loaded', { bubbles: true, composed: true, detail: { count: body.buttons.length } }));
  }

  private loadFailed(error: IntegrationError): void {
    this.buttons = [];
    this.loadError = error;
    this.dispatchEvent(new CustomEvent('hookline-error', { bubbles: true, composed: true, detail: { error } }));
  }

  private notify(n: Notice): void {
    board.add(n);
  }

  private emit(name: string, detail: Record<string, unknown>): void {
    this.dispatchEvent(new CustomEvent(name, { bubbles: true, composed: true, detail }));
  }

  private choose(b: IntegrationButton): void {
    this.menuOpen = false;
    if (b.action === 'background') void this.runBackground(b);
    else if (b.action === 'new_window') this.openWindow(b);
    else this.openPanel(b);
  }

  // ---- background requests ------------------------------------------------------

  private async runBackground(b: IntegrationButton): Promise<void> {
    const ids = this.selectedIds;
    let res: Response;
    try {
      res = await fetch(apiUrl(this.api, b.trigger?.href ?? `/v1/integrations/${b.id}/trigger`), {
        method: 'POST',
        headers: { ...this.headers(true), 'idempotency-key': `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}` },
        body: JSON.stringify({ objectIds: ids }),
      });
    } catch {
      this.failed(b, triggerError('network'));
      return;
    }
    const body = (await res.json().catch(() => null)) as { jobId?: string; links?: { job: string; events: string } } | null;
    if (res.status !== 202 || !body?.jobId || !body.links) {
      this.failed(b, errorOfRefusal(res.status, body));
      return;
    }
    this.notify(notices.scheduled(b.name));
    this.emit('hookline-scheduled', { integrationId: b.id, name: b.name, jobId: body.jobId, objectIds: ids });
    this.follow(b, body.jobId, body.links);
  }

  private failed(b: IntegrationButton, error: IntegrationError, statusCode?: number, jobId?: string): void {
    this.notify(notices.failed(error));
    this.emit('hookline-failed', { integrationId: b.id, name: b.name, error, ...(statusCode !== undefined ? { statusCode } : {}), ...(jobId ? { jobId } : {}) });
  }

  /** Follows the job until it ends: its state pushed as Server-Sent Events, polling only when the stream cannot be had. */
  private follow(b: IntegrationButton, jobId: string, links: { job: string; events: string }): void {
    const controller = new AbortController();
    this.follows.add(controller);
    const stopAt = Date.now() + FOLLOW_MS;
    let done = false;
    const settle = (u: JobUpdate): boolean => {
      if (done) return true;
      if (u.state === 'succeeded') {
        this.notify(notices.succeeded(b.name));
        this.emit('hookline-succeeded', { integrationId: b.id, name: b.name, jobId, ...(u.statusCode !== undefined ? { statusCode: u.statusCode } : {}) });
      } else if (u.state === 'failed') {
        this.failed(b, u.error ?? 'Backend error', u.statusCode, jobId);
      } else {
        this.emit('hookline-progress', { integrationId: b.id, jobId, state: u.state });
        return false;
      }
      done = true;
      return true;
    };
    const poll = async (): Promise<void> => {
      while (!done && !controller.signal.aborted && Date.now() < stopAt) {
        try {
          const r = await fetch(apiUrl(this.api, links.job), { headers: this.headers(), signal: controller.signal });
          if (r.ok && settle((await r.json()) as JobUpdate)) return;
        } catch {
          /* try again */
        }
        await new Promise((res) => setTimeout(res, POLL_MS));
      }
    };
    void (async () => {
      try {
        // fetch, not EventSource: EventSource cannot send the Authorization header.
        const r = await fetch(apiUrl(this.api, links.events), { headers: { ...this.headers(), accept: 'text/event-stream' }, signal: controller.signal });
        if (!r.ok || !r.body) throw new Error(`events answered ${r.status}`);
        const reader = r.body.pipeThrough(new TextDecoderStream()).getReader();
        const parser = new SseParser();
        for (;;) {
          const { value, done: end } = await reader.read();
          if (end) break;
          for (const e of parser.feed(value)) {
            if (e.event === 'state' && settle(JSON.parse(e.data) as JobUpdate)) {
              await reader.cancel().catch(() => undefined);
              return;
            }
          }
        }
      } catch {
        if (controller.signal.aborted) return;
      }
      await poll();
    })().finally(() => this.follows.delete(controller));
  }

  // ---- foreground actions -------------------------------------------------------

  private remember(win: unknown, origin: string): void {
    if (!win) return;
    this.opened = [...this.opened.filter((o) => o.window !== win), { window: win, origin }];
  }

  private submitForm(url: string, fields: [string, string][], target: string): void {
    const form = document.createElement('form');
    form.method = 'POST';
    form.action = url;
    form.target = target;
    form.style.display = 'none';
    for (const [k, v] of fields) {
      const input = document.createElement('input');
      input.type = 'hidden';
      input.name = k;
      input.value = v;
      form.append(input);
    }
    // In the light DOM: a form inside a shadow root may not target a window by name in every browser.
    document.body.append(form);
    form.submit();
    form.remove();
  }

  /** A new tab: the URL (GET), or a form posted to it (POST). Not noopener: the seed's "reload" needs window.opener. */
  private openWindow(b: IntegrationButton): void {
    const r = b.request;
    if (!r) return;
    let win: Window | null;
    if (r.method === 'GET') {
      win = window.open(r.url, '_blank');
    } else {
      const name = `hookline-${this.instance}-${Date.now().toString(36)}`;
      win = window.open('about:blank', name);
      this.submitForm(r.url, r.fields, name);
    }
    this.remember(win, b.origin);
    this.emit('hookline-opened', { integrationId: b.id, name: b.name, action: b.action, method: r.method, url: r.url });
  }

  private openPanel(b: IntegrationButton): void {
    const frameName = `hookline-panel-${this.instance}-${Date.now().toString(36)}`;
    this.panel = { button: b, frameName };
    void this.updateComplete.then(() => {
      const frame = this.renderRoot.querySelector<HTMLIFrameElement>('iframe');
      if (!frame || !b.request) return;
      this.remember(frame.contentWindow, b.origin);
      if (b.request.method === 'POST') this.submitForm(b.request.url, b.request.fields, frameName);
      else frame.src = b.request.url;
      this.emit('hookline-opened', { integrationId: b.id, name: b.name, action: b.action, method: b.request.method, url: b.request.url });
    });
    void this.checkFraming(b, frameName);
  }

  /** Browsers hide a refused frame's failure from the page, so the platform judges the target's framing headers. */
  private async checkFraming(b: IntegrationButton, frameName: string): Promise<void> {
    try {
      const r = await fetch(apiUrl(this.api, `/v1/integrations/${b.id}/framing?origin=${encodeURIComponent(window.location.origin)}`), { headers: this.headers() });
      if (!r.ok) return;
      const v = (await r.json()) as { frameable: boolean; reason?: string };
      if (!v.frameable && this.panel?.frameName === frameName) {
        this.panel = { ...this.panel, refused: v.reason ?? 'the target does not allow being shown in a frame' };
        this.emit('hookline-frame-refused', { integrationId: b.id, name: b.name, reason: this.panel.refused });
      }
    } catch {
      /* the frame shows whatever the browser shows */
    }
  }

  private closePanel(): void {
    const frame = this.renderRoot.querySelector<HTMLIFrameElement>('iframe');
    this.opened = this.opened.filter((o) => o.window !== frame?.contentWindow);
    this.panel = undefined;
  }

  // ---- rendering ----------------------------------------------------------------

  private renderNotices(): TemplateResult | typeof nothing {
    if (board.notices.length === 0 || board.leader() !== this) return nothing;
    return html`<div class="notices" part="notices">
      ${board.notices.map(
        (n) =>
          html`<div class="notice ${n.kind}" part="notice notice-${n.kind}" role=${n.kind === 'error' ? 'alert' : 'status'} data-kind=${n.kind}>
            <span>${n.text}</span><button aria-label="Dismiss" @click=${() => board.dismiss(n.id)}>×</button>
          </div>`,
      )}
    </div>`;
  }

  private renderPanel(): TemplateResult | typeof nothing {
    const p = this.panel;
    if (!p) return nothing;
    const r = p.button.request;
    const newTab = r?.method === 'GET' ? r.url : undefined;
    return html`<aside class="panel" part="panel" role="dialog" aria-label=${p.button.name}>
      <header><span>${p.button.name}</span><button class="close" aria-label="Close" @click=${() => this.closePanel()}>×</button></header>
      ${p.refused
        ? html`<div class="refused" role="alert">
            <p><strong>${p.button.name}</strong> cannot be shown in a side panel: ${p.refused}.</p>
            <p>
              ${newTab
                ? html`<a href=${newTab} target="_blank" @click=${(e: Event) => this.openFromRefusal(e, p.button)}>Open it in a new tab instead</a>`
                : html`<a href="#" @click=${(e: Event) => this.openFromRefusal(e, p.button)}>Open it in a new tab instead</a>`}
            </p>
          </div>`
        : nothing}
      <iframe name=${p.frameName} title=${p.button.name} ?hidden=${!!p.refused}></iframe>
    </aside>`;
  }

  private openFromRefusal(e: Event, b: IntegrationButton): void {
    e.preventDefault();
    this.closePanel();
    this.openWindow(b);
  }

  override render(): TemplateResult {
    const mode = presentation(this.buttons.length);
    let control: TemplateResult | typeof nothing = nothing;
    if (mode === 'button') {
      const b = this.buttons[0];
      control = html`<button class="hl" part="button" data-integration=${b.id} @click=${() => this.choose(b)}>${b.name}</button>`;
    } else if (mode === 'dropdown') {
      control = html`<button class="hl" part="button dropdown" aria-haspopup="menu" aria-expanded=${this.menuOpen ? 'true' : 'false'} @click=${() => (this.menuOpen = !this.menuOpen)}>
          ${this.label}<span class="caret" aria-hidden="true">▾</span>
        </button>
        ${this.menuOpen
          ? html`<ul role="menu" part="menu">
              ${this.buttons.map((b) => html`<li role="none"><button role="menuitem" part="menuitem" data-integration=${b.id} @click=${() => this.choose(b)}>${b.name}</button></li>`)}
            </ul>`
          : nothing}`;
    }
    return html`${control}${this.renderNotices()}${this.renderPanel()}`;
  }
}

if (!customElements.get('hookline-integrations')) customElements.define('hookline-integrations', HooklineIntegrations);

declare global {
  interface HTMLElementTagNameMap {
    'hookline-integrations': HooklineIntegrations;
  }
}
