// Modules a service loads and, as Hookline is configured, never uses: held back until
// something first reads them. Each service's tracing.ts calls deferUnusedModules() before
// anything else is imported, so they are in place before TypeORM and class-validator load.
//
// Why: every idle service holds its loaded modules for good (the source text, the
// top-level functions, what their top level builds). Three packages load far more than we use:
//   - TypeORM's DriverFactory requires every database driver it supports at its top level
//     (SQL Server, Oracle, SAP HANA, Spanner, MySQL, CockroachDB, the SQLite family,
//     MongoDB, …), each with its query runner: about 1 MB of source and 1.9 MB of heap in
//     every service, while we only run on PostgreSQL;
//   - class-validator's IsPhoneNumber requires libphonenumber-js's full metadata at its top
//     level for a decorator none of our DTOs uses (1.5 MB of heap), and its other decorators
//     some eighty of validator's checks, of which our DTOs use a handful (about 1 MB);
//   - @nestjs/platform-express requires multer for file uploads, which no route takes
//     (0.5 MB), and TypeORM an SQL formatter for its query logging.
// (Measured with `node --expose-gc`, heap used after require with and without the deferral.)
//
// How: an entry in `require.cache` (Node documents adding entries there) for the module's
// file, whose exports are a proxy that loads the real module on the first read of any
// property, key or descriptor, and from then on forwards to it; the real module then takes
// its place in the cache. Nothing is changed if the module is used: it loads a moment later.
// No library does this (the require hooks OpenTelemetry uses wrap modules as they load,
// they do not defer them), so it is ours, and kept to a named list.
import Module, { createRequire } from 'node:module';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** Where a deferred module is installed: `require.cache` in a service, a plain object in tests. */
export type ModuleCache = Record<string, NodeModule | undefined>;

/** What the proxy must answer without loading the module. */
export interface DeferredShape {
  /** The module is transpiled ESM: `__esModule` reads true (an importer's `__importDefault` asks for it at once). */
  esModule?: boolean;
  /** The module's exports are a function (multer): the proxy can be called. */
  callable?: boolean;
}

/**
 * Puts a proxy for `file` (an absolute path, as require resolves it) in the cache; the real
 * module is required (by `load`, default Node's require) on the first read and replaces the
 * proxy in the cache. Returns false, and changes nothing, when the module is already loaded.
 */
export function deferModule(
  file: string,
  cache: ModuleCache = require.cache as ModuleCache,
  load: (file: string) => object = (f) => createRequire(f)(f) as object,
  shape: DeferredShape = {},
): boolean {
  if (cache[file]) return false;
  let real: object | undefined;
  const stub = new Module(file);
  const target = (): object => {
    if (!real) {
      if (cache[file] === stub) delete cache[file];
      real = load(file);
    }
    return real;
  };
  stub.filename = file;
  stub.loaded = true;
  stub.exports = new Proxy(
    // An arrow function has no own property a proxy would have to report as fixed.
    shape.callable ? () => undefined : {},
    {
      get: (_, key) => (shape.esModule && key === '__esModule' && !real ? true : Reflect.get(target(), key)),
      apply: (_, self, args) => Reflect.apply(target() as (...a: unknown[]) => unknown, self, args),
      has: (_, key) => Reflect.has(target(), key),
      ownKeys: () => Reflect.ownKeys(target()),
      // A proxy may not report a property its (empty) target lacks as non-configurable.
      getOwnPropertyDescriptor: (_, key) => {
        const d = Reflect.getOwnPropertyDescriptor(target(), key);
        return d && { ...d, configurable: true };
      },
      set: (_, key, value) => Reflect.set(target(), key, value),
      getPrototypeOf: () => Reflect.getPrototypeOf(target()),
    },
  );
  cache[file] = stub;
  return true;
}

/** TypeORM's drivers other than PostgreSQL's, as its driver/DriverFactory requires them. */
export const DEFERRED_TYPEORM_DRIVERS: readonly string[] = [
  'aurora-mysql/AuroraMysqlDriver',
  'aurora-postgres/AuroraPostgresDriver',
  'better-sqlite3/BetterSqlite3Driver',
  'capacitor/CapacitorDriver',
  'cockroachdb/CockroachDriver',
  'cordova/CordovaDriver',
  'expo/ExpoDriverFactory',
  'mongodb/MongoDriver',
  'mysql/MysqlDriver',
  'nativescript/NativescriptDriver',
  'oracle/OracleDriver',
  'react-native/ReactNativeDriver',
  'sap/SapDriver',
  'spanner/SpannerDriver',
  'sqljs/SqljsDriver',
  'sqlite/SqliteDriver',
  'sqlserver/SqlServerDriver',
];

/** A module to defer: its file and what its proxy answers unloaded. */
export interface DeferredModule {
  file: string;
  shape: DeferredShape;
}

/** The modules deferUnusedModules defers, resolved from where the packages that load them are installed. */
export function unusedModules(resolve: (request: string, from?: string) => string = (r, from) => require.resolve(r, from ? { paths: [from] } : undefined)): DeferredModule[] {
  const out: DeferredModule[] = [];
  // TypeORM's package exports do not name its driver files: they sit beside its entry.
  const typeorm = tryResolve(resolve, 'typeorm');
  if (typeorm) for (const d of DEFERRED_TYPEORM_DRIVERS) out.push({ file: join(dirname(typeorm), 'driver', `${d}.js`), shape: {} });
  // Formats SQL for TypeORM's logger, which only our debug logging asks for.
  const formatter = typeorm && tryResolve(resolve, '@sqltools/formatter', dirname(typeorm));
  if (formatter) out.push({ file: formatter, shape: { esModule: true } });
  const classValidator = tryResolve(resolve, 'class-validator');
  if (classValidator) {
    const phone = tryResolve(resolve, 'libphonenumber-js/max', dirname(classValidator));
    if (phone) out.push({ file: phone, shape: {} });
    // class-validator requires some eighty of validator's checks, one file each, at its top
    // level; a DTO uses a handful, and each loads when a request is first checked with it.
    // (IsStrongPassword requires validator's index, which reads every check as it loads.)
    const isEmail = tryResolve(resolve, 'validator/lib/isEmail', dirname(classValidator));
    const index = tryResolve(resolve, 'validator', dirname(classValidator));
    if (isEmail && index) {
      out.push({ file: index, shape: { esModule: true } });
      for (const f of readdirSync(dirname(isEmail))) if (f.endsWith('.js')) out.push({ file: join(dirname(isEmail), f), shape: { esModule: true } });
    }
  }
  // multer (multipart uploads) is required by @nestjs/platform-express's file interceptors; no route takes a file.
  const express = tryResolve(resolve, '@nestjs/platform-express');
  const multer = express && tryResolve(resolve, 'multer', dirname(express));
  if (multer) out.push({ file: multer, shape: { callable: true } });
  return out;
}

/** Defers the modules above; called first thing in every service (its tracing.ts). */
export function deferUnusedModules(): number {
  let n = 0;
  for (const m of unusedModules()) if (deferModule(m.file, undefined, undefined, m.shape)) n++;
  return n;
}

function tryResolve(resolve: (request: string, from?: string) => string, request: string, from?: string): string | undefined {
  try {
    return resolve(request, from);
  } catch {
    return undefined;
  }
}
