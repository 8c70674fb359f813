/**
 * A browser's cookies by name, for tests that walk a flow of redirects with fetch (the
 * OpenID provider's interaction and resume cookies): paths are ignored, so a later cookie
 * of a name replaces an earlier one.
 */
export class CookieJar {
  private readonly cookies = new Map<string, string>();

  take(res: Response): void {
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const i = pair.indexOf('=');
      this.cookies.set(pair.slice(0, i).trim(), pair.slice(i + 1));
    }
  }

  header(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }
}
