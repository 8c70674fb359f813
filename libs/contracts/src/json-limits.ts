// How deep and how wide a JSON payload the platform accepts: every HTTP body, and host
// events published straight on NATS. JSON.parse copes with any depth, but what walks the
// value afterwards recursively does not (class-transformer, JSON.stringify when the event
// is published or stored): data nested 10,000 levels deep overflowed the stack as a 500.
// Real payloads stay far below both limits; a payload past one is refused by name.

export const JSON_LIMITS = Object.freeze({
  /** Levels of objects and arrays, the payload itself being the first. */
  maxDepth: 64,
  /** Keys in any one object. */
  maxKeys: 10_000,
});

export interface JsonLimits {
  maxDepth: number;
  maxKeys: number;
}

export interface JsonLimitProblem {
  /** "body" for the payload as a whole, else the dotted path of the object at fault. */
  field: string;
  message: string;
}

interface Node {
  value: object;
  depth: number;
  parent?: Node;
  key?: string;
}

function pathOf(n: Node, root: string): string {
  const keys: string[] = [];
  for (let cur: Node | undefined = n; cur?.key !== undefined; cur = cur.parent) keys.unshift(cur.key);
  return keys.length === 0 ? root : keys.join('.');
}

const isContainer = (v: unknown): v is object => typeof v === 'object' && v !== null;

/**
 * The first limit a parsed JSON value breaks, or undefined. Iterative (an explicit
 * stack), so it is safe on values nested far deeper than the limit it looks for.
 */
export function jsonLimitProblem(value: unknown, limits: JsonLimits = JSON_LIMITS, root = 'body'): JsonLimitProblem | undefined {
  if (!isContainer(value)) return undefined;
  const tooDeep = { field: root, message: `nesting deeper than ${limits.maxDepth} levels of objects and arrays` };
  if (limits.maxDepth < 1) return tooDeep;
  const stack: Node[] = [{ value, depth: 1 }];
  while (stack.length > 0) {
    const n = stack.pop() as Node;
    if (Array.isArray(n.value)) {
      const items = n.value as unknown[];
      for (let i = items.length - 1; i >= 0; i--) {
        const child = items[i];
        if (!isContainer(child)) continue;
        if (n.depth + 1 > limits.maxDepth) return tooDeep;
        stack.push({ value: child, depth: n.depth + 1, parent: n, key: String(i) });
      }
      continue;
    }
    const keys = Object.keys(n.value);
    if (keys.length > limits.maxKeys) return { field: pathOf(n, root), message: `an object with more than ${limits.maxKeys} keys` };
    for (let i = keys.length - 1; i >= 0; i--) {
      const child = (n.value as Record<string, unknown>)[keys[i]];
      if (!isContainer(child)) continue;
      if (n.depth + 1 > limits.maxDepth) return tooDeep;
      stack.push({ value: child, depth: n.depth + 1, parent: n, key: keys[i] });
    }
  }
  return undefined;
}
