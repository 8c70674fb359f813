// SQL names from JSON keys. Keys are arbitrary text (quotes, semicolons, "; DROP TABLE,
// 200 characters, emoji, "+1", "org.opencontainers.image.url"), so a name is normalised to
// lower-case letters, digits and "_", cut to PostgreSQL's 63 bytes, and made unique
// within its table (or schema) by a numeric suffix. Names are always quoted in SQL as
// well (see ddl.ts); normalising keeps them readable and safe to type.

/** PostgreSQL's NAMEDATALEN - 1: longer identifiers are silently cut by the server. */
export const MAX_IDENTIFIER_BYTES = 63;

const byteLength = (s: string) => Buffer.byteLength(s, 'utf8');

/** Cuts to at most `max` UTF-8 bytes without splitting a character. */
export function truncateBytes(s: string, max: number): string {
  if (byteLength(s) <= max) return s;
  let out = '';
  for (const ch of s) {
    if (byteLength(out + ch) > max) break;
    out += ch;
  }
  return out;
}

/**
 * One JSON key as a name part: "+1" -> "plus_1", "-1" -> "minus_1", "Content-Type" ->
 * "content_type", "org.opencontainers.image.url" -> "org_opencontainers_image_url",
 * "\"; DROP TABLE x; --" -> "drop_table_x". Empty results become `fallback`.
 */
export function normalizeKey(key: string, fallback = 'col'): string {
  const signed = /^([+-])(\d+)$/.exec(key);
  if (signed) return `${signed[1] === '+' ? 'plus' : 'minus'}_${signed[2]}`;
  const s = key
    .normalize('NFC')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}_]+/gu, '_')
    .replace(/_+/g, '_')
    .replace(/^_+|_+$/g, '');
  return s === '' ? fallback : s;
}

/** A name from several keys (a flattened path): the normalised parts joined by "_", cut to 63 bytes. */
export function nameFromPath(keys: readonly string[], fallback = 'col'): string {
  return truncateBytes(keys.map((k) => normalizeKey(k, fallback)).join('_'), MAX_IDENTIFIER_BYTES).replace(/_+$/, '') || fallback;
}

/** Hands out names unique among those it has handed out (or was told are taken). */
export class NameAllocator {
  private readonly used = new Set<string>();

  constructor(taken: Iterable<string> = []) {
    for (const t of taken) this.used.add(t);
  }

  has(name: string): boolean {
    return this.used.has(name);
  }

  /** `base` if free, else base_2, base_3, ... each cut so the whole stays within 63 bytes. */
  allocate(base: string): string {
    const b = truncateBytes(base, MAX_IDENTIFIER_BYTES);
    if (!this.used.has(b)) {
      this.used.add(b);
      return b;
    }
    for (let n = 2; ; n++) {
      const suffix = `_${n}`;
      const candidate = `${truncateBytes(b, MAX_IDENTIFIER_BYTES - suffix.length)}${suffix}`;
      if (!this.used.has(candidate)) {
        this.used.add(candidate);
        return candidate;
      }
    }
  }
}

/**
 * Column names PostgreSQL keeps for its system columns: CREATE TABLE and ADD COLUMN refuse
 * them ("column name "xmin" conflicts with a system column name"), so a sample key "ctid"
 * would propose a table that cannot be created. (oid is no system column since PG 12.)
 */
export const SYSTEM_COLUMN_NAMES: readonly string[] = ['tableoid', 'xmin', 'cmin', 'xmax', 'cmax', 'ctid'];

/** An allocator for a table's column names: generated names step around the system columns ("xmin" -> "xmin_2"). */
export function columnAllocator(taken: Iterable<string> = []): NameAllocator {
  return new NameAllocator([...SYSTEM_COLUMN_NAMES, ...taken]);
}

const NAME_RE = /^[\p{L}\p{N}_]+$/u;
// eslint-disable-next-line no-control-regex -- finding U+0000 is the point
const UNSTORABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Why a table or column name given by an administrator is not acceptable, or undefined
 * when it is. "pg_" is fine: PostgreSQL reserves it for schema names only ("unacceptable
 * schema name", and the tenant's schema is tenant_<id>); tables and columns such as pg_txn
 * are created and read like any other (every statement here is schema-qualified).
 */
export function nameProblem(name: unknown): string | undefined {
  if (typeof name !== 'string' || name === '') return 'must be a non-empty string';
  if (UNSTORABLE.test(name)) return 'must be valid Unicode text without U+0000';
  if (byteLength(name) > MAX_IDENTIFIER_BYTES) return `must be at most ${MAX_IDENTIFIER_BYTES} bytes (UTF-8)`;
  if (!NAME_RE.test(name) || name !== name.toLowerCase()) return 'must be lower-case letters, digits and "_"';
  return undefined;
}

/** nameProblem for a column's name: a system column's name is refused too. */
export function columnNameProblem(name: unknown): string | undefined {
  const p = nameProblem(name);
  if (p !== undefined) return p;
  return SYSTEM_COLUMN_NAMES.includes(name as string) ? `must not be ${String(name)}: PostgreSQL keeps it for a system column` : undefined;
}
