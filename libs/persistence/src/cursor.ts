// Opaque cursors for newest-first keyset pagination over (time, id).

export interface Cursor {
  at: string;
  id: string;
}

export function encodeCursor(c: Cursor): string {
  return Buffer.from(JSON.stringify([c.at, c.id])).toString('base64url');
}

// The form encodeCursor's callers give `at` (Date#toISOString), in the years PostgreSQL
// reads without an expanded-year sign: anything else is not one of our cursors, and
// handing it to the database would fail there (a 500) instead of here (a 400).
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/**
 * Returns undefined for anything that is not a cursor this platform issued. idPattern:
 * what the id half must look like where the id column is typed (a uuid column cannot
 * compare with just any text).
 */
export function decodeCursor(raw: string, idPattern?: RegExp): Cursor | undefined {
  try {
    const v: unknown = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
    if (Array.isArray(v) && v.length === 2 && typeof v[0] === 'string' && typeof v[1] === 'string') {
      const [at, id] = v as [string, string];
      const instant = ISO_INSTANT.test(at) ? new Date(at) : undefined;
      const canonical = instant !== undefined && !Number.isNaN(instant.getTime()) && instant.toISOString() === at && !at.startsWith('0000');
      const idOk = id.length > 0 && !id.includes('\u0000') && (!idPattern || idPattern.test(id));
      if (canonical && idOk) return { at, id };
    }
  } catch {
    /* fall through */
  }
  return undefined;
}
