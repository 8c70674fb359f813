// Which file of the built console (services/console, built to dist/services/console) answers
// a path under /console/, with its type and caching: index.html is never cached (it names
// the current assets), the content-hashed assets are cached for good.
import { extname, join, normalize, sep } from 'node:path';

export interface ConsoleFile {
  file: string;
  contentType: string;
  cacheControl: string;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.json': 'application/json',
  '.map': 'application/json',
};

/**
 * The console's own content security policy: everything from this origin (no CDN, no
 * third-party script), inline styles for MUI's emotion, QR codes and charts as inline SVG,
 * API calls to the same origin only, and no framing.
 */
export const CONSOLE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "object-src 'none'",
].join('; ');

/** `rest` is the path after /console/ (no query); undefined when nothing should answer (404). */
export function consoleFileFor(dir: string, rest: string): ConsoleFile | undefined {
  let path: string;
  try {
    path = decodeURIComponent(rest);
  } catch {
    return undefined;
  }
  if (path.includes('\0') || path.split('/').some((s) => s === '..' || s.startsWith('.'))) return undefined;
  const index = { file: join(dir, 'index.html'), contentType: TYPES['.html'], cacheControl: 'no-cache' };
  if (path === '' || path === 'index.html') return index;
  const ext = extname(path);
  // A path without an extension is a screen of the app (its routes live after #/, but a bookmark may lack it).
  if (!ext) return index;
  const type = TYPES[ext];
  if (!type) return undefined;
  const file = normalize(join(dir, path));
  if (!file.startsWith(normalize(dir) + sep)) return undefined;
  const hashed = path.startsWith('assets/');
  return { file, contentType: type, cacheControl: hashed ? 'public, max-age=31536000, immutable' : 'no-cache' };
}
