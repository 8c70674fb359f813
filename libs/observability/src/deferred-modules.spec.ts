import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { deferModule, DEFERRED_TYPEORM_DRIVERS, unusedModules, type ModuleCache } from './deferred-modules';

/** A module file that counts how often it is loaded (in a global) and exports a class, a function and a value. */
function moduleFile(): { file: string; loads: () => number; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'hookline-deferred-'));
  const file = join(dir, 'heavy.js');
  const counter = `__hooklineDeferredLoads_${Math.random().toString(36).slice(2)}`;
  writeFileSync(
    file,
    `globalThis.${counter} = (globalThis.${counter} ?? 0) + 1;
     class Driver { constructor(o) { this.o = o; } }
     exports.Driver = Driver;
     exports.make = (o) => new Driver(o);
     exports.name = 'heavy';`,
  );
  return { file, loads: () => (globalThis as Record<string, unknown>)[counter] as number | undefined ?? 0, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

describe('deferModule', () => {
  it('loads the module on the first read, once, and then forwards to it', () => {
    const m = moduleFile();
    try {
      const cache: ModuleCache = {};
      assert.equal(deferModule(m.file, cache), true);
      const stub = cache[m.file]?.exports as { Driver: new (o: unknown) => { o: unknown }; make: (o: unknown) => unknown; name: string };
      assert.equal(m.loads(), 0, 'nothing loaded while nobody reads it');
      const d = new stub.Driver(1);
      assert.equal(m.loads(), 1);
      assert.ok(d instanceof stub.Driver);
      assert.ok(stub.make(2) instanceof stub.Driver, 'the module works as itself');
      assert.equal(stub.name, 'heavy');
      assert.deepEqual(Object.keys(stub).sort(), ['Driver', 'make', 'name']);
      assert.ok('make' in stub);
      assert.equal(m.loads(), 1, 'loaded once');
      assert.equal(cache[m.file], undefined, 'the proxy leaves the cache it was put in; the real module is cached by require');
    } finally {
      m.cleanup();
    }
  });

  it('lets __exportStar-style copying and descriptors through (what a re-exporting module does)', () => {
    const m = moduleFile();
    try {
      const cache: ModuleCache = {};
      deferModule(m.file, cache);
      const stub = cache[m.file]?.exports as object;
      const copy: Record<string, unknown> = {};
      for (const k of Object.keys(stub)) Object.defineProperty(copy, k, Object.getOwnPropertyDescriptor(stub, k) as PropertyDescriptor);
      assert.equal(copy.name, 'heavy');
      assert.equal(typeof copy.make, 'function');
    } finally {
      m.cleanup();
    }
  });

  it('answers __esModule for a transpiled module without loading it, and can stand for a module that is a function', () => {
    const m = moduleFile();
    const dir = mkdtempSync(join(tmpdir(), 'hookline-deferred-fn-'));
    const fnFile = join(dir, 'fn.js');
    writeFileSync(fnFile, `module.exports = (x) => ({ called: x }); module.exports.version = 2;`);
    try {
      const cache: ModuleCache = {};
      deferModule(m.file, cache, undefined, { esModule: true });
      const stub = cache[m.file]?.exports as { __esModule: boolean; make: (o: unknown) => unknown };
      assert.equal(stub.__esModule, true);
      assert.equal(m.loads(), 0, '__importDefault asks at once: no load for that');
      assert.ok(stub.make(1));
      assert.equal(m.loads(), 1);
      deferModule(fnFile, cache, undefined, { callable: true });
      const fn = cache[fnFile]?.exports as ((x: number) => unknown) & { version: number };
      assert.deepEqual(fn(7), { called: 7 });
      assert.equal(fn.version, 2);
    } finally {
      m.cleanup();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('changes nothing for a module already loaded', () => {
    const loaded = { id: 'x' } as unknown as NodeModule;
    const cache: ModuleCache = { '/x.js': loaded };
    assert.equal(deferModule('/x.js', cache), false);
    assert.equal(cache['/x.js'], loaded);
  });
});

describe('unusedModules', () => {
  it('names files that exist: every TypeORM driver DriverFactory requires but PostgreSQL’s, libphonenumber-js’s metadata, validator’s checks, multer', () => {
    const files = unusedModules().map((m) => m.file);
    for (const f of files) assert.ok(existsSync(f), f);
    assert.ok(!files.some((f) => /driver[/\\]postgres[/\\]/.test(f)), 'PostgreSQL is what we run on');
    for (const pkg of ['libphonenumber-js', 'validator[/\\\\]lib[/\\\\]isEmail', 'multer', '@sqltools']) assert.ok(files.some((f) => new RegExp(pkg).test(f)), pkg);
    // When TypeORM adds a driver, this list should learn of it.
    const factory = readFileSync(join(dirname(require.resolve('typeorm')), 'driver', 'DriverFactory.js'), 'utf8');
    const required = [...factory.matchAll(/require\("\.\/([\w-]+\/\w+)"\)/g)].map((x) => x[1]).sort();
    assert.deepEqual(required, [...DEFERRED_TYPEORM_DRIVERS, 'postgres/PostgresDriver'].sort());
  });

  it('in a process that defers them, TypeORM and class-validator load without them, and a deferred driver still loads when asked for', () => {
    const script = `
      const { deferUnusedModules, unusedModules } = require(${JSON.stringify(join(__dirname, 'deferred-modules.ts'))});
      const deferred = deferUnusedModules();
      const { DataSource } = require('typeorm');
      const { isEmail } = require('class-validator');
      require('@nestjs/platform-express');
      const loaded = () => Object.keys(require.cache).filter((k) => !require('node:util').types.isProxy(require.cache[k].exports) && /(MysqlQueryRunner|SqlServerQueryRunner|OracleQueryRunner|libphonenumber-js[\\\\/]build|validator[\\\\/]lib[\\\\/](isEmail|isFQDN|isMobilePhone)\\.js|busboy)/.test(k)).length;
      const before = loaded();
      new DataSource({ type: 'postgres', url: 'postgres://127.0.0.1:1/none' });
      const email = [isEmail('ada@example.com'), isEmail('not an address')];
      let mysql;
      try { new DataSource({ type: 'mysql' }); } catch (e) { mysql = e.constructor.name; }
      console.log(JSON.stringify({ deferred, listed: unusedModules().length, before, email, mysql, after: loaded() }));`;
    const r = spawnSync(process.execPath, ['-r', '@swc-node/register', '-e', script], { cwd: process.cwd(), encoding: 'utf8', timeout: 60_000 });
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout.trim().split('\n').at(-1) as string) as { deferred: number; listed: number; before: number; email: boolean[]; mysql: string; after: number };
    assert.equal(out.deferred, out.listed);
    assert.ok(out.listed > DEFERRED_TYPEORM_DRIVERS.length + 50, String(out.listed));
    assert.equal(out.before, 0, 'no unused driver, phone metadata, validator check or multer loaded by TypeORM, class-validator, Nest’s express adapter or a PostgreSQL DataSource');
    assert.deepEqual(out.email, [true, false], 'a check loads when it is first used, and works');
    assert.equal(out.mysql, 'DriverPackageNotInstalledError', 'the MySQL driver loaded on demand and looked for its package');
    assert.ok(out.after > 0);
  });
});
