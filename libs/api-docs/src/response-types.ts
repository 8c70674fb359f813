// What each HTTP handler answers, read from its TypeScript return type (the Nest CLI's
// swagger plugin infers responses the same way, but it is a compiler transformer and the
// services run through @swc-node/register). The types become JSON Schema with
// typescript-json-schema, against the same type checker, so the document cannot drift
// from what the handlers are declared to return: the contract test checks the rest.
import * as ts from 'typescript';
import * as TJS from 'typescript-json-schema';
import { relative } from 'node:path';
import type { JsonSchema } from './schema-refs';

const HTTP_METHOD_DECORATORS = new Set(['Get', 'Post', 'Put', 'Patch', 'Delete', 'Head', 'Options', 'All']);

export interface HandlerFacts {
  /** `registry:UnitsController.get`; controllers in libs/ answer in every service, as `*:HealthController.health`. */
  key: string;
  /** The awaited return type as JSON Schema (refs into `definitions`), or undefined for void. */
  schema?: JsonSchema;
  /** The handler's doc comment: the operation's description. */
  doc?: string;
}

export interface ResponseTypes {
  handlers: Map<string, HandlerFacts>;
  /** Named types the schemas refer to, by typescript-json-schema's names (`Page<UnitView>`). */
  definitions: Record<string, JsonSchema>;
}

/** `registry` for services/registry/..., `*` for a controller that lives in a library. */
function serviceOf(file: string, root: string): string {
  const m = /^services\/([^/]+)\//.exec(relative(root, file));
  return m ? m[1] : '*';
}

function isHandler(node: ts.Node): node is ts.MethodDeclaration {
  if (!ts.isMethodDeclaration(node)) return false;
  return (ts.getDecorators(node) ?? []).some((d) => ts.isCallExpression(d.expression) && ts.isIdentifier(d.expression.expression) && HTTP_METHOD_DECORATORS.has(d.expression.expression.text));
}

/**
 * Reads every controller file's handlers. typescript-json-schema turns a named symbol
 * into a schema through its public API; a handler's (often inferred, anonymous) return
 * type has no symbol, so this calls its getTypeDefinition with the type itself. The
 * version is pinned in package.json; the check below fails loudly if that method moves.
 */
export function readResponseTypes(root: string, tsconfigPath: string, controllerFiles: string[]): ResponseTypes {
  const parsed = ts.getParsedCommandLineOfConfigFile(tsconfigPath, {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: (d) => { throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n')); } });
  if (!parsed) throw new Error(`cannot read ${tsconfigPath}`);
  const program = ts.createProgram(controllerFiles, parsed.options);
  const checker = program.getTypeChecker();
  const settings: TJS.PartialArgs = { required: true, noExtraProps: true, ref: true, aliasRef: false, strictNullChecks: true, ignoreErrors: true, titles: false };
  const generator = TJS.buildGenerator(program, settings) as unknown as {
    getTypeDefinition?: (type: ts.Type, asRef: boolean) => JsonSchema;
    reffedDefinitions?: Record<string, JsonSchema>;
  } | null;
  const getTypeDefinition = generator?.getTypeDefinition?.bind(generator);
  if (!generator || !getTypeDefinition) throw new Error('typescript-json-schema no longer has getTypeDefinition: check the pinned version');
  const handlers = new Map<string, HandlerFacts>();
  // typescript-json-schema reports initialisers it does not evaluate on the console; they only cost it a `default`.
  const log = console.log;
  const warn = console.warn;
  console.log = () => undefined;
  console.warn = () => undefined;
  try {
    for (const file of controllerFiles) {
      const sf = program.getSourceFile(file);
      if (!sf) throw new Error(`${file} is not in the program`);
      const service = serviceOf(file, root);
      const visit = (node: ts.Node): void => {
        if (isHandler(node) && ts.isClassDeclaration(node.parent) && node.parent.name) {
          const key = `${service}:${node.parent.name.text}.${node.name.getText(sf)}`;
          const signature = checker.getSignatureFromDeclaration(node);
          if (!signature) throw new Error(`${key}: no signature`);
          const returned = checker.getReturnTypeOfSignature(signature);
          const type = checker.getAwaitedType(returned) ?? returned;
          const isVoid = (type.flags & (ts.TypeFlags.Void | ts.TypeFlags.Undefined)) !== 0;
          const symbol = checker.getSymbolAtLocation(node.name);
          const doc = symbol ? ts.displayPartsToString(symbol.getDocumentationComment(checker)).trim() : '';
          handlers.set(key, { key, schema: isVoid ? undefined : getTypeDefinition(type, true), doc: doc || undefined });
        }
        ts.forEachChild(node, visit);
      };
      visit(sf);
    }
  } finally {
    console.log = log;
    console.warn = warn;
  }
  for (const facts of handlers.values()) if (facts.schema) facts.schema = openMaps(facts.schema);
  const definitions: Record<string, JsonSchema> = {};
  for (const [name, schema] of Object.entries(generator.reffedDefinitions ?? {})) definitions[name] = openMaps(schema);
  return { handlers, definitions };
}

/**
 * typescript-json-schema turns a mapped type such as Record<string, unknown> (and aliases
 * of it) into an object with no properties and no additional ones: no value would fit.
 * Such a schema is a map whose values it could not say; it becomes an open object.
 * Tuples get 2020-12's prefixItems.
 */
export function openMaps(schema: JsonSchema): JsonSchema {
  if (Array.isArray(schema)) return schema.map(openMaps) as unknown as JsonSchema;
  if (schema === null || typeof schema !== 'object') return schema;
  const out: JsonSchema = {};
  for (const [k, v] of Object.entries(schema)) out[k] = openMaps(v as JsonSchema);
  // Draft-07 tuples (items: [...], additionalItems) in JSON Schema 2020-12, OpenAPI 3.1's dialect.
  if (Array.isArray(out.items)) {
    out.prefixItems = out.items;
    if (out.additionalItems !== undefined) out.items = out.additionalItems;
    else delete out.items;
    delete out.additionalItems;
  }
  if (out.type === 'object' && out.additionalProperties === false && (!out.properties || Object.keys(out.properties).length === 0) && !out.patternProperties) {
    delete out.additionalProperties;
  }
  return out;
}
