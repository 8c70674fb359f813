// Every HTTP route the controllers declare, read from their decorators with the
// TypeScript parser (tests may not import services). docs/api.md and the OpenAPI document
// are both checked against this list.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import * as ts from 'typescript';

export const root = join(__dirname, '..', '..');
const REFERENCE = 'docs/api.md';

export const METHOD_DECORATORS: Record<string, string> = { Get: 'GET', Post: 'POST', Put: 'PUT', Patch: 'PATCH', Delete: 'DELETE', Head: 'HEAD', Options: 'OPTIONS', All: 'ALL' };

export interface Route {
  method: string;
  path: string;
  /** file:line of the handler, for the failure message. */
  at: string;
}

/** `/v1/units/{id}` from a controller prefix and a handler path (`v1/units`, `:id`). */
function joinPath(prefix: string, path: string): string {
  const joined = `/${[prefix, path].map((p) => p.replace(/^\/+|\/+$/g, '')).filter(Boolean).join('/')}`;
  return joined.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}

/** The decorator's call, if `d` is `@Name(...)`. */
function call(d: ts.Decorator): { name: string; args: readonly ts.Expression[] } | undefined {
  const e = d.expression;
  if (!ts.isCallExpression(e) || !ts.isIdentifier(e.expression)) return undefined;
  return { name: e.expression.text, args: e.arguments };
}

/** A path argument: none, or a string literal. Anything else cannot be read here, so it fails rather than going unchecked. */
function pathArg(args: readonly ts.Expression[], where: string): string {
  if (args.length === 0) return '';
  const [a] = args;
  if (args.length === 1 && (ts.isStringLiteral(a) || ts.isNoSubstitutionTemplateLiteral(a))) return a.text;
  throw new Error(`${where}: the route path must be a string literal for ${REFERENCE}'s check (test/docs/api-reference.spec.ts) to read it`);
}

/** Every route the controllers in one source file declare. */
export function routesIn(source: string, file: string): Route[] {
  const sf = ts.createSourceFile(file, source, ts.ScriptTarget.Latest, true);
  const out: Route[] = [];
  const lineOf = (n: ts.Node) => `${file}:${sf.getLineAndCharacterOfPosition(n.getStart(sf)).line + 1}`;
  const visit = (node: ts.Node): void => {
    if (ts.isClassDeclaration(node)) {
      const controller = (ts.getDecorators(node) ?? []).map(call).find((c) => c?.name === 'Controller');
      if (controller) {
        const prefix = pathArg(controller.args, lineOf(node));
        for (const member of node.members) {
          if (!ts.isMethodDeclaration(member)) continue;
          for (const d of ts.getDecorators(member) ?? []) {
            const c = call(d);
            const method = c && METHOD_DECORATORS[c.name];
            if (c && method) out.push({ method, path: joinPath(prefix, pathArg(c.args, lineOf(d))), at: lineOf(member) });
          }
        }
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return out;
}

/** The production TypeScript files of services/ and libs/ (not tests). */
export function sourceFiles(): string[] {
  const out: string[] = [];
  for (const dir of ['services', 'libs']) {
    for (const f of readdirSync(join(root, dir), { recursive: true }) as string[]) {
      if (f.endsWith('.ts') && !/\.(spec|integration|e2e)\.ts$/.test(f) && !f.split('/').includes('node_modules')) out.push(join(root, dir, f));
    }
  }
  return out;
}

export function allRoutes(): Route[] {
  return sourceFiles().flatMap((f) => {
    const text = readFileSync(f, 'utf8');
    return text.includes('@Controller') ? routesIn(text, relative(root, f)) : [];
  });
}

export const routeKey = (r: Route) => `${r.method} ${r.path}`;
