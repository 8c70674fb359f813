// JSON from the outside world, parsed safely: the nesting depth and the number of object
// members are counted on the raw text first (iteratively, before anything is built), so
// a 10,000-deep document is refused in linear time instead of exhausting a stack later;
// JSON.parse then makes every key an own data property ("__proto__" included), and
// nothing here ever assigns keys onto objects with a prototype.
import type { FieldProblem } from './problems';

export interface JsonLimits {
  /** Deepest nesting of objects and arrays. */
  maxDepth: number;
  /** Object members in the whole document. */
  maxKeys: number;
}

export const DEFAULT_JSON_LIMITS: JsonLimits = { maxDepth: 32, maxKeys: 10_000 };

export type JsonResult = { ok: true; value: unknown } | { ok: false; problem: FieldProblem };

const OPEN_OBJ = 0x7b;
const OPEN_ARR = 0x5b;
const CLOSE_OBJ = 0x7d;
const CLOSE_ARR = 0x5d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COLON = 0x3a;

/** Checks depth and member count on the text; undefined when within the limits. */
export function jsonShapeProblem(text: string, limits: JsonLimits = DEFAULT_JSON_LIMITS): string | undefined {
  let depth = 0;
  let keys = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === BACKSLASH) i++;
      else if (c === QUOTE) inString = false;
      continue;
    }
    if (c === QUOTE) inString = true;
    else if (c === OPEN_OBJ || c === OPEN_ARR) {
      if (++depth > limits.maxDepth) return `nests deeper than ${limits.maxDepth} levels`;
    } else if (c === CLOSE_OBJ || c === CLOSE_ARR) depth--;
    else if (c === COLON && ++keys > limits.maxKeys) return `has more than ${limits.maxKeys} keys`;
  }
  return undefined;
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

/** Bytes -> JSON value, or a problem naming "body". */
export function parseJsonBody(bytes: Uint8Array, limits: JsonLimits = DEFAULT_JSON_LIMITS): JsonResult {
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    return { ok: false, problem: { field: 'body', message: 'is not valid UTF-8' } };
  }
  return parseJsonText(text, limits);
}

export function parseJsonText(text: string, limits: JsonLimits = DEFAULT_JSON_LIMITS): JsonResult {
  const shape = jsonShapeProblem(text, limits);
  if (shape) return { ok: false, problem: { field: 'body', message: shape } };
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (err) {
    return { ok: false, problem: { field: 'body', message: `malformed JSON: ${(err as Error).message}` } };
  }
}
