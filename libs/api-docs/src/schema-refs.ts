// Small tree edits on JSON Schema: renaming the components that $refs point to.
export type JsonSchema = Record<string, any>;

/** Every value in the tree, depth first; `fn` may replace a node's $ref. */
export function rewriteRefs<T>(value: T, fn: (ref: string) => string): T {
  if (Array.isArray(value)) return value.map((v) => rewriteRefs(v, fn)) as T;
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = k === '$ref' && typeof v === 'string' ? fn(v) : rewriteRefs(v, fn);
  return out as T;
}

/** The $refs in a tree. */
export function refsIn(value: unknown, into = new Set<string>()): Set<string> {
  if (Array.isArray(value)) for (const v of value) refsIn(v, into);
  else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (k === '$ref' && typeof v === 'string') into.add(v);
      else refsIn(v, into);
    }
  }
  return into;
}

/**
 * A component name OpenAPI accepts (^[a-zA-Z0-9.\-_]+$) for a TypeScript type name:
 * `Page<UnitView>` becomes `UnitViewPage`, `Record<string,unknown>` `JsonObject`.
 */
export function componentName(typeName: string): string {
  const name = decodeURIComponent(typeName);
  if (/^Record<string,\s*(unknown|any)>$/.test(name)) return 'JsonObject';
  if (/^Record<string,\s*string>$/.test(name)) return 'StringMap';
  const page = /^Page<(.+)>$/.exec(name);
  if (page) return `${componentName(page[1])}Page`;
  return name.replace(/<|,\s*/g, '_').replace(/>/g, '').replace(/[^A-Za-z0-9._-]/g, '_');
}

/** Removes keys a JSON Schema dialect marker or a generator left that OpenAPI 3.1 documents do not need. */
export function cleanSchema<T>(value: T): T {
  if (Array.isArray(value)) return value.map(cleanSchema) as T;
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    if (k === '$schema') continue;
    out[k] = cleanSchema(v);
  }
  return out as T;
}
