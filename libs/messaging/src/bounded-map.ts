// Bounding a Map that is kept in insertion order (oldest first) by forgetting its oldest entries.

/**
 * Deletes the `n` oldest entries of a Map (its insertion order), in one walk. Not one at a
 * time through `keys().next()`: every new iterator steps over the slots deleted since the
 * table was last rebuilt, so forgetting one entry per insert costs more the longer the
 * Map has been full (the dispatcher's OrderDedup spent 15 µs an order that way).
 */
export function forgetOldest<K>(map: Map<K, unknown>, n: number): void {
  if (n <= 0) return;
  for (const key of map.keys()) {
    map.delete(key);
    if (--n <= 0) return;
  }
}
