// Text PostgreSQL cannot store: U+0000 (text and jsonb refuse it) and unpaired UTF-16
// surrogates (jsonb refuses their \u escapes). What others sent us may hold them: a
// request's body or path, a receiver's answer, error messages quoting either. One such
// character in a batch's JSON parameter fails the whole statement, so they are stored as
// U+FFFD instead.

// eslint-disable-next-line no-control-regex -- finding U+0000 is the point
const UNSTORABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
/** A NUL or a surrogate escape in JSON text (a false match, an escaped backslash, only costs the slow path). */
const UNSTORABLE_ESCAPE = /\\u0000|\\ud[89a-f]/i;

/** The text with U+0000 and lone surrogates replaced by U+FFFD (the replacement character), as PostgreSQL can store it. */
export function storableText(s: string): string {
  return s.replace(UNSTORABLE, '\uFFFD');
}

/**
 * JSON.stringify for a jsonb parameter, its strings made storable. Batches written on
 * every delivery's path: the text is checked once, and only one that holds such a
 * character is built again.
 */
export function jsonForPostgres(value: unknown): string {
  const json = JSON.stringify(value);
  // JSON.stringify writes \u only for control characters and lone surrogates: a text
  // without it (nearly every batch) needs no regular expression.
  if (!json.includes('\\u') || !UNSTORABLE_ESCAPE.test(json)) return json;
  return JSON.stringify(value, (_key, v: unknown) => (typeof v === 'string' ? storableText(v) : v));
}
