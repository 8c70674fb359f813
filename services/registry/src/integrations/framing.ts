// Whether a page may show a target in an iframe, judged from the target's answer headers
// the way browsers do: CSP frame-ancestors wins where it is present (CSP Level 3, §7.7),
// else X-Frame-Options (DENY; SAMEORIGIN; ALLOW-FROM is obsolete and ignored). Browsers
// do not tell a page that a frame was refused (the frame's load event fires either way),
// so the side panel asks the platform, which asks the target. Pure.

export type FramingVerdict = { frameable: true } | { frameable: false; reason: string };

interface Origin {
  scheme: string;
  host: string;
  port: string;
}

function originOf(url: string): Origin | undefined {
  try {
    const u = new URL(url);
    const port = u.port || (u.protocol === 'https:' ? '443' : u.protocol === 'http:' ? '80' : '');
    return { scheme: u.protocol.slice(0, -1), host: u.hostname.toLowerCase(), port };
  } catch {
    return undefined;
  }
}

const same = (a: Origin, b: Origin) => a.scheme === b.scheme && a.host === b.host && a.port === b.port;

/** One CSP source expression against the framing page's origin (CSP3 §6.7.2). */
function sourceMatches(source: string, page: Origin, target: Origin): boolean {
  const s = source.toLowerCase();
  if (s === "'self'") return same(page, target);
  if (s === '*') return page.scheme === 'http' || page.scheme === 'https';
  const scheme = /^([a-z][a-z0-9+.-]*):$/.exec(s);
  if (scheme) return scheme[1] === page.scheme || (scheme[1] === 'http' && page.scheme === 'https');
  const m = /^(?:([a-z][a-z0-9+.-]*):\/\/)?(\*\.|\*$)?([a-z0-9.-]*)(?::(\d+|\*))?(?:\/.*)?$/.exec(s);
  if (!m) return false;
  const [, sch, wildcard, hostRest, port] = m;
  if (sch ? !(sch === page.scheme || (sch === 'http' && page.scheme === 'https')) : !(page.scheme === target.scheme || (target.scheme === 'http' && page.scheme === 'https'))) return false;
  if (wildcard === '*' && !hostRest) return true;
  if (wildcard === '*.') {
    if (!page.host.endsWith(`.${hostRest}`)) return false;
  } else if (page.host !== hostRest) return false;
  return portMatches(port, page, (sch ?? target.scheme) === 'http' && page.scheme === 'https');
}

/**
 * A source's port against the page's, as Chromium judges it (checked in Debian's
 * chromium): none means the default port of the page's scheme; and an http source that
 * admits an https page (an upgrade) admits it on the default port, or with :80 on 443,
 * but not with an exact :443.
 */
function portMatches(port: string | undefined, page: Origin, upgraded: boolean): boolean {
  if (port === '*') return true;
  if (port === undefined) return page.port === (page.scheme === 'https' ? '443' : page.scheme === 'http' ? '80' : '');
  if (upgraded) return port === '80' && page.port === '443';
  return page.port === port;
}

/** Lower-case header names, as undici gives them (repeated headers joined with ", "). */
export function framingVerdict(headers: Readonly<Record<string, string>>, pageOrigin: string, targetUrl: string): FramingVerdict {
  const page = originOf(pageOrigin);
  const target = originOf(targetUrl);
  if (!page || !target) return { frameable: false, reason: 'the page or the target has no usable origin' };
  const csp = headers['content-security-policy'];
  if (csp) {
    // Several policies (comma-joined) all apply: each one that names frame-ancestors must allow the page.
    const ancestors = csp
      .split(',')
      .map((policy) => policy.split(';').map((d) => d.trim().split(/\s+/)))
      .map((dirs) => dirs.find((d) => d[0]?.toLowerCase() === 'frame-ancestors'))
      .filter((d): d is string[] => d !== undefined);
    if (ancestors.length > 0) {
      for (const [, ...sources] of ancestors) {
        if (sources.length === 0 || sources.some((x) => x.toLowerCase() === "'none'")) return { frameable: false, reason: "the target's Content-Security-Policy says frame-ancestors 'none'" };
        if (!sources.some((x) => sourceMatches(x, page, target))) {
          return { frameable: false, reason: `the target's Content-Security-Policy frame-ancestors (${sources.join(' ')}) does not include ${pageOrigin}` };
        }
      }
      return { frameable: true };
    }
  }
  const xfo = headers['x-frame-options'];
  if (xfo) {
    const values = xfo.split(',').map((v) => v.trim().toLowerCase());
    if (values.includes('deny')) return { frameable: false, reason: 'the target sends X-Frame-Options: DENY' };
    if (values.includes('sameorigin') && !same(page, target)) return { frameable: false, reason: `the target sends X-Frame-Options: SAMEORIGIN and ${pageOrigin} is another origin` };
  }
  return { frameable: true };
}
