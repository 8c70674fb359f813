// OAuth2 access tokens per credential version: fetched once however many deliveries
// ask at the same moment (single-flight), kept until shortly before they expire, and
// replaced on demand when a receiver has refused one (401). No I/O here: the fetch is
// injected, so the policy is unit-tested with a fake clock.

export interface FetchedToken {
  accessToken: string;
  /** Lifetime from the token endpoint's expires_in, if it gave one. */
  expiresInMs?: number;
}

export interface TokenCacheOptions {
  /** Lifetime assumed when the endpoint gives none. */
  defaultTtlMs: number;
  /** A token is replaced this long before it expires (at most a tenth of its lifetime for short ones). */
  refreshMarginMs: number;
  /**
   * A forced refresh within this long of the last fetch reuses that fetch's token: a
   * burst of 401s from one receiver costs one token request, not one each.
   */
  minRefreshIntervalMs: number;
  now?: () => number;
}

interface Entry {
  token: string;
  fetchedAt: number;
  refreshAt: number;
}

export class TokenCache {
  private readonly entries = new Map<string, Entry>();
  private readonly inFlight = new Map<string, Promise<Entry>>();
  private readonly now: () => number;

  constructor(private readonly opts: TokenCacheOptions) {
    this.now = opts.now ?? Date.now;
  }

  async get(key: string, fetch: () => Promise<FetchedToken>, opts: { forceRefresh?: boolean } = {}): Promise<string> {
    const now = this.now();
    const cached = this.entries.get(key);
    if (cached) {
      const fresh = cached.refreshAt > now;
      const justFetched = now - cached.fetchedAt < this.opts.minRefreshIntervalMs;
      if (fresh && (!opts.forceRefresh || justFetched)) return cached.token;
    }
    const pending = this.inFlight.get(key);
    if (pending) return (await pending).token;
    const p = this.fetchEntry(fetch).then(
      (entry) => {
        this.entries.set(key, entry);
        return entry;
      },
      (err: unknown) => {
        // A failed refresh must not keep serving a token the receiver already refused.
        if (opts.forceRefresh) this.entries.delete(key);
        throw err;
      },
    );
    this.inFlight.set(key, p);
    try {
      return (await p).token;
    } finally {
      this.inFlight.delete(key);
    }
  }

  private async fetchEntry(fetch: () => Promise<FetchedToken>): Promise<Entry> {
    const t = await fetch();
    const fetchedAt = this.now();
    const ttl = t.expiresInMs !== undefined && t.expiresInMs > 0 ? t.expiresInMs : this.opts.defaultTtlMs;
    const margin = Math.min(this.opts.refreshMarginMs, Math.floor(ttl / 10));
    return { token: t.accessToken, fetchedAt, refreshAt: fetchedAt + ttl - margin };
  }

  /** Drops every token whose key starts with the prefix (a credential rotated or revoked). */
  clear(prefix = ''): void {
    for (const k of this.entries.keys()) if (k.startsWith(prefix)) this.entries.delete(k);
  }

  get size(): number {
    return this.entries.size;
  }
}
