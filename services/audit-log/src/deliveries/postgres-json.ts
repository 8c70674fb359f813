// The log stores what receivers answered (a push server's refusal Message, a response
// body, an error), and PostgreSQL takes no NUL in text or jsonb and no lone UTF-16
// surrogate in jsonb: one such character in a batch's JSON parameter made the whole
// statement fail, the batch was retried until dead-lettered, and its attempts were lost
// from the log. Such characters are stored as U+FFFD instead.

/** A NUL or a surrogate escape in JSON text (a false match, an escaped backslash, only costs the slow path). */
const UNSTORABLE_ESCAPE = /\\u0000|\\ud[89a-f]/i;
/** A surrogate half without its other half (code units, no u flag). */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** The text as PostgreSQL can store it: NUL and lone surrogates replaced by U+FFFD. */
export function storableText(s: string): string {
  // eslint-disable-next-line no-control-regex -- NUL is what PostgreSQL refuses
  return s.replace(/\u0000/g, '\ufffd').replace(LONE_SURROGATE, '\ufffd');
}

/**
 * JSON.stringify for a jsonb parameter. The log's batches are on every delivery's path:
 * the text is checked once, and only one that holds such a character is built again with
 * its strings made storable.
 */
export function jsonForPostgres(value: unknown): string {
  const json = JSON.stringify(value);
  // JSON.stringify writes \u only for control characters and lone surrogates: a text
  // without it (nearly every batch) needs no regular expression.
  if (!json.includes('\\u') || !UNSTORABLE_ESCAPE.test(json)) return json;
  return JSON.stringify(value, (_key, v: unknown) => (typeof v === 'string' ? storableText(v) : v));
}
