// Where a PostgreSQL cluster of ours keeps its files. PostgreSQL refuses to run as root,
// so as root it runs as the `postgres` system user, and that user must be able to reach
// its data folder. Inside a private parent (`/root`, any `mktemp -d` folder: mode 0700)
// it cannot. Then the cluster lives in a folder of its own under
// /var/lib/hookline/postgres/ (root-owned and 0711 down to it: passable, not listable;
// the cluster's folder owned by postgres, 0700) and `<dataDir>/pgdata` is a symlink to it,
// so the next start finds the same data, and `ls -l .data/postgres` shows where it is.
//
// The alternatives, and why not:
// - loosening the user's folders (chmod o+x /root, an ACL for postgres): that changes
//   who may reach the rest of a folder the user chose to keep private;
// - running postgres as root: it refuses, on purpose (a superuser's SQL could then run
//   anything as root);
// - running it in a user namespace where root's files look like its own: needs
//   unprivileged user namespaces, which containers (where `npm start` as root is most
//   common) usually forbid.
// /var/lib is where the FHS keeps programs' persistent state; /tmp and /var/tmp may be
// cleaned. A folder that can be reached keeps its data in place, as before.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, chownSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readlinkSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve, sep } from 'node:path';

/** A setup problem told in one line, with its fix: the launcher prints only this message. */
export class LocalSetupError extends Error {
  override readonly name = 'LocalSetupError';
}

export interface PostgresOwner {
  uid: number;
  gid: number;
  name: string;
}

export interface ClusterPlace {
  /** The folder initdb and postgres get as -D. */
  pgdata: string;
  /** Where postgres puts its Unix socket (it must reach this too). */
  socketDir: string;
  /** Set when the cluster lives outside the data folder: the folder holding it. */
  relocatedTo?: string;
}

/** Where clusters whose data folder the postgres user cannot reach are kept. */
export const RELOCATED_CLUSTERS_DIR = '/var/lib/hookline/postgres';

export interface PlaceOptions {
  /** The folder the caller gave for PostgreSQL's data (e.g. `.data/postgres`). */
  dataDir: string;
  /** The user postgres runs as when we are root; undefined when it runs as us. */
  owner?: PostgresOwner;
  relocationRoot?: string;
  /** Whether the owner can pass into dir (for tests; by default asked of the system as that user). */
  canReach?: (dir: string, owner: PostgresOwner) => boolean;
}

/** Asks the system, as that user, whether it can pass into dir (every parent included). */
export function userCanReach(dir: string, owner: PostgresOwner): boolean {
  // cwd '/': the child changes to its cwd as that user before anything else.
  const r = spawnSync('test', ['-x', dir], { uid: owner.uid, gid: owner.gid, cwd: '/', stdio: 'ignore' });
  return r.status === 0;
}

/** Makes each missing folder of path, root-owned and 0711; folders that exist are left as they are. */
function makePassableChain(path: string): void {
  let at = '';
  for (const part of resolve(path).split(sep).slice(1)) {
    at = `${at}${sep}${part}`;
    if (existsSync(at)) continue;
    mkdirSync(at);
    chmodSync(at, 0o711);
  }
}

/**
 * Decides (and on first use prepares) where the cluster for dataDir lives: in
 * `<dataDir>/pgdata`, or, when the postgres user cannot reach dataDir, in a folder under
 * RELOCATED_CLUSTERS_DIR that `<dataDir>/pgdata` links to. Throws LocalSetupError when
 * neither can be used.
 */
export function placeCluster(opts: PlaceOptions): ClusterPlace {
  const dataDir = resolve(opts.dataDir);
  const canReach = opts.canReach ?? userCanReach;
  const owner = opts.owner;
  const who = owner ? `user ${owner.name}, which PostgreSQL runs as because it refuses root,` : 'PostgreSQL';
  mkdirSync(dataDir, { recursive: true });
  const link = join(dataDir, 'pgdata');
  const inPlace = { pgdata: link, socketDir: join(dataDir, 'sock') };
  const found = lstatSync(link, { throwIfNoEntry: false });

  if (found?.isSymbolicLink()) {
    const pgdata = resolve(dataDir, readlinkSync(link));
    const home = dirname(pgdata);
    if (!existsSync(home)) {
      throw new LocalSetupError(`${link} points to ${pgdata}, which is gone: remove the link (rm ${link}) to start with an empty database, or restore that folder`);
    }
    return { pgdata, socketDir: join(home, 'sock'), relocatedTo: home };
  }
  if (!owner) return inPlace;
  if (canReach(dataDir, owner)) return inPlace;
  if (found) {
    throw new LocalSetupError(`${who} cannot reach ${link} (a parent folder is private): move the data folder where it can, or delete ${link} to start with an empty database kept under ${opts.relocationRoot ?? RELOCATED_CLUSTERS_DIR}`);
  }

  const root = opts.relocationRoot ?? RELOCATED_CLUSTERS_DIR;
  const tag = createHash('sha256').update(realpathSync(dataDir)).digest('hex').slice(0, 12);
  let home: string;
  try {
    makePassableChain(root);
    home = mkdtempSync(join(root, `${tag}-`));
    // Which data folder this cluster belongs to, for whoever finds it here.
    writeFileSync(join(home, 'data-dir'), `${dataDir}\n`);
    chownSync(home, owner.uid, owner.gid);
    chmodSync(home, 0o700);
  } catch (err) {
    const why = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    throw new LocalSetupError(`${who} cannot reach ${dataDir} (a parent folder is private), and ${root} could not be made for it (${why}): set HOOKLINE_DATA_DIR to a folder that user can reach`);
  }
  if (!canReach(home, owner)) {
    rmSync(home, { recursive: true, force: true });
    throw new LocalSetupError(`${who} cannot reach ${dataDir} (a parent folder is private), nor ${home}: let it pass into ${root} and its parents (chmod o+x), or set HOOKLINE_DATA_DIR to a folder that user can reach`);
  }
  symlinkSync(join(home, 'pgdata'), link);
  return { pgdata: join(home, 'pgdata'), socketDir: join(home, 'sock'), relocatedTo: home };
}
