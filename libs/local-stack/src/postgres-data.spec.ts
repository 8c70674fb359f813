import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalSetupError, placeCluster, type PostgresOwner } from './postgres-data';

// The postgres user is played by whoever runs the test (chown to oneself is always
// allowed); whether it can reach a folder is the table's input.
const me: PostgresOwner = { uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0, name: 'postgres' };
const scratch = mkdtempSync(join(tmpdir(), 'hookline-pgplace-'));
after(() => rmSync(scratch, { recursive: true, force: true }));
let n = 0;
/** A data folder inside a 0700 folder named "private", as a clone in /root or mktemp -d has. */
function fresh(): string {
  const parent = join(scratch, `case-${n++}`, 'private');
  mkdirSync(parent, { recursive: true });
  chmodSync(parent, 0o700);
  return join(parent, 'clone', '.data', 'postgres');
}
const reloc = () => join(scratch, `reloc-${n++}`, 'var', 'lib', 'hookline', 'postgres');
/** The owner reaches every folder except those inside a folder named "private". */
const privateUnreachable = (dir: string) => !dir.split('/').includes('private');

function assertOneLine(fn: () => unknown, pattern: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof LocalSetupError, String(err));
    assert.doesNotMatch(err.message, /\n/);
    assert.match(err.message, pattern);
    return true;
  });
}

describe('placeCluster', () => {
  it('keeps the cluster in the data folder when not root (no owner)', () => {
    const dataDir = fresh();
    assert.deepEqual(placeCluster({ dataDir, canReach: () => false }), { pgdata: join(dataDir, 'pgdata'), socketDir: join(dataDir, 'sock') });
  });

  it('keeps it in the data folder when the postgres user can reach it', () => {
    const dataDir = fresh();
    assert.deepEqual(placeCluster({ dataDir, owner: me, relocationRoot: reloc(), canReach: () => true }), { pgdata: join(dataDir, 'pgdata'), socketDir: join(dataDir, 'sock') });
  });

  it('moves it to a folder of its own, linked from the data folder, when the user cannot reach it; the next start finds it', () => {
    const dataDir = fresh();
    const root = reloc();
    const place = placeCluster({ dataDir, owner: me, relocationRoot: root, canReach: privateUnreachable });
    const home = place.relocatedTo ?? '';
    assert.ok(home.startsWith(`${root}/`), home);
    assert.equal(place.pgdata, join(home, 'pgdata'));
    assert.equal(place.socketDir, join(home, 'sock'));
    const link = join(dataDir, 'pgdata');
    assert.ok(lstatSync(link).isSymbolicLink());
    assert.equal(readlinkSync(link), place.pgdata);
    assert.equal(readFileSync(join(home, 'data-dir'), 'utf8'), `${dataDir}\n`);
    // The folders made on the way are passable but not listable; the cluster's own is private to its owner.
    for (const d of [root, join(root, '..'), join(root, '../..')]) assert.equal(statSync(d).mode & 0o777, 0o711, d);
    assert.equal(statSync(home).mode & 0o777, 0o700);
    assert.equal(statSync(home).uid, me.uid);
    // The user's own folders are left as they were.
    assert.equal(statSync(join(dataDir, '../../..')).mode & 0o777, 0o700);

    mkdirSync(place.pgdata);
    writeFileSync(join(place.pgdata, 'PG_VERSION'), '15\n');
    assert.deepEqual(placeCluster({ dataDir, owner: me, relocationRoot: root, canReach: privateUnreachable }), place);
  });

  it('two data folders get two clusters', () => {
    const root = reloc();
    const a = placeCluster({ dataDir: fresh(), owner: me, relocationRoot: root, canReach: privateUnreachable });
    const b = placeCluster({ dataDir: fresh(), owner: me, relocationRoot: root, canReach: privateUnreachable });
    assert.notEqual(a.relocatedTo, b.relocatedTo);
  });

  it('refuses, in one line, a link whose cluster is gone', () => {
    const dataDir = fresh();
    const place = placeCluster({ dataDir, owner: me, relocationRoot: reloc(), canReach: privateUnreachable });
    rmSync(place.relocatedTo ?? '', { recursive: true });
    assertOneLine(() => placeCluster({ dataDir, owner: me, relocationRoot: reloc(), canReach: privateUnreachable }), /is gone: remove the link \(rm .*pgdata\)/);
  });

  it('refuses, in one line, a cluster in place that the user can no longer reach', () => {
    const dataDir = fresh();
    mkdirSync(join(dataDir, 'pgdata'), { recursive: true });
    assertOneLine(() => placeCluster({ dataDir, owner: me, relocationRoot: reloc(), canReach: privateUnreachable }), /cannot reach .*pgdata \(a parent folder is private\): move the data folder/);
  });

  it('refuses, in one line, when the folder for relocated clusters cannot be made', () => {
    const blocker = join(scratch, `file-${n++}`);
    writeFileSync(blocker, '');
    const dataDir = fresh();
    assertOneLine(() => placeCluster({ dataDir, owner: me, relocationRoot: join(blocker, 'postgres'), canReach: privateUnreachable }), /could not be made for it \(ENOTDIR\): set HOOKLINE_DATA_DIR/);
    assert.equal(existsSync(join(dataDir, 'pgdata')), false);
  });

  it('refuses, in one line, when the user cannot reach the relocated folder either, and leaves nothing behind', () => {
    const dataDir = fresh();
    const root = reloc();
    assertOneLine(() => placeCluster({ dataDir, owner: me, relocationRoot: root, canReach: () => false }), /nor .*: let it pass into/);
    assert.equal(existsSync(join(dataDir, 'pgdata')), false);
    assert.deepEqual(readdirSync(root), []);
  });
});
