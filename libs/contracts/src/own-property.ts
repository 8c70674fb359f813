/**
 * Sets an own, enumerable data property, whatever its name: `target[key] = value` with a
 * key such as __proto__ (from a caller's JSON) would run the prototype setter instead of
 * keeping the key as data.
 */
export function putOwn(target: object, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}
