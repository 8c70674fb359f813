// Paths into JSON documents: "data.items" (dot-separated) or "/data/items" (a JSON
// Pointer, RFC 6901, for keys that contain dots). Reads only own properties, so a key
// such as "__proto__" or "constructor" is data like any other.

export function parsePath(path: string): string[] {
  if (path === '') return [];
  if (path.startsWith('/')) return path.slice(1).split('/').map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  return path.split('.');
}

/** A path as a JSON Pointer (unambiguous for any keys). */
export function formatPointer(keys: readonly string[]): string {
  return keys.map((k) => `/${k.replace(/~/g, '~0').replace(/\//g, '~1')}`).join('');
}

/** A path for messages: dots, unless a key needs the pointer form. */
export function describePath(keys: readonly string[]): string {
  return keys.some((k) => k.includes('.') || k.includes('/') || k === '') ? formatPointer(keys) : keys.join('.');
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The own property `key` of an object, or undefined. */
export function own(obj: Record<string, unknown>, key: string): unknown {
  return Object.prototype.hasOwnProperty.call(obj, key) ? obj[key] : undefined;
}

/** Follows `keys` through objects; undefined where a step is missing or not an object. */
export function getAt(value: unknown, keys: readonly string[]): unknown {
  let cur = value;
  for (const k of keys) {
    if (!isPlainObject(cur)) return undefined;
    cur = own(cur, k);
  }
  return cur;
}

/** Sets an own data property even for keys like "__proto__" (plain assignment would set the prototype). */
export function defineKey(obj: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}
