// Counting the platform's PostgreSQL statements over a window: pg_stat_statements when
// the server preloads it (the bench starts PostgreSQL that way), otherwise the
// transaction counter of pg_stat_database, and the output says which.
import { Client } from 'pg';

export interface PgSnapshot {
  method: 'pg_stat_statements' | 'pg_stat_database';
  statements: number;
  xactCommit: number;
  tupInserted: number;
  tupUpdated: number;
  /** Time PostgreSQL spent executing the platform's statements (pg_stat_statements only; 0 otherwise). */
  execMs: number;
  /** The statements most called, grouped by how they start, with their execution time and the WAL they wrote. */
  top: { query: string; calls: number; ms: number; walBytes: number }[];
  /** PostgreSQL's own work, server-wide: what may cost CPU in a window besides the platform's statements. */
  background: PgBackground;
}

export interface PgBackground {
  /** Checkpoints started on their timer (checkpoint_timeout) and requested (WAL volume past max_wal_size, or CHECKPOINT). */
  checkpointsTimed: number;
  checkpointsRequested: number;
  /** Buffers written by the checkpointer, the background writer and the backends themselves. */
  buffersCheckpoint: number;
  buffersClean: number;
  buffersBackend: number;
  /** WAL written server-wide (pg_stat_wal): records, full-page images, bytes. */
  walRecords: number;
  walFpi: number;
  walBytes: number;
  /** Autovacuum and autoanalyze runs per table of the platform's database, so far. */
  autoRuns: Record<string, number>;
}

/** pg_stat_statements rows of the platform's database ($1), our own statistics queries left out. */
const PLATFORM_STATEMENTS = `dbid = (SELECT oid FROM pg_database WHERE datname = $1) AND query NOT ILIKE '%pg_stat_%'`;

export class PgStats {
  private method: PgSnapshot['method'] = 'pg_stat_database';

  private constructor(
    private readonly db: Client,
    private readonly database: string,
  ) {}

  static async open(databaseUrl: string): Promise<PgStats> {
    const db = new Client({ connectionString: databaseUrl });
    await db.connect();
    const s = new PgStats(db, new URL(databaseUrl).pathname.slice(1));
    try {
      await db.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
      await db.query('SELECT count(*) FROM pg_stat_statements');
      s.method = 'pg_stat_statements';
    } catch (err) {
      console.log(`[bench] pg_stat_statements is not available (${(err as Error).message}); counting transactions in pg_stat_database instead`);
    }
    return s;
  }

  get how(): PgSnapshot['method'] {
    return this.method;
  }

  /** Zeroes pg_stat_statements; pg_stat_database is read as a difference instead. */
  async reset(): Promise<PgSnapshot> {
    if (this.method === 'pg_stat_statements') await this.db.query('SELECT pg_stat_statements_reset()');
    return this.snapshot();
  }

  async snapshot(): Promise<PgSnapshot> {
    let statements = 0;
    let execMs = 0;
    let top: PgSnapshot['top'] = [];
    if (this.method === 'pg_stat_statements') {
      const sum = await this.db.query<{ n: string | null; ms: string | null }>(`SELECT sum(calls)::text AS n, sum(total_exec_time)::text AS ms FROM pg_stat_statements WHERE ${PLATFORM_STATEMENTS}`, [this.database]);
      statements = Number(sum.rows[0]?.n ?? 0);
      execMs = Number(sum.rows[0]?.ms ?? 0);
      // Grouped by how a statement starts: a multi-row INSERT has one text per batch size.
      const rows = await this.db.query<{ query: string; calls: string; ms: string; wal: string }>(
        `SELECT left(regexp_replace(query, '\\s+', ' ', 'g'), 60) AS query, sum(calls)::text AS calls, sum(total_exec_time)::text AS ms, sum(wal_bytes)::text AS wal
         FROM pg_stat_statements WHERE ${PLATFORM_STATEMENTS} GROUP BY 1 ORDER BY sum(calls) DESC LIMIT 8`,
        [this.database],
      );
      top = rows.rows.map((r) => ({ query: r.query.slice(0, 140), calls: Number(r.calls), ms: Number(r.ms), walBytes: Number(r.wal) }));
    }
    const d = await this.db.query<{ xact_commit: string; tup_inserted: string; tup_updated: string }>(
      'SELECT xact_commit::text, tup_inserted::text, tup_updated::text FROM pg_stat_database WHERE datname = $1',
      [this.database],
    );
    const row = d.rows[0];
    return {
      method: this.method,
      statements,
      xactCommit: Number(row?.xact_commit ?? 0),
      tupInserted: Number(row?.tup_inserted ?? 0),
      tupUpdated: Number(row?.tup_updated ?? 0),
      execMs,
      top,
      background: await this.background(),
    };
  }

  private async background(): Promise<PgBackground> {
    const w = await this.db.query<{ checkpoints_timed: string; checkpoints_req: string; buffers_checkpoint: string; buffers_clean: string; buffers_backend: string }>(
      'SELECT checkpoints_timed::text, checkpoints_req::text, buffers_checkpoint::text, buffers_clean::text, buffers_backend::text FROM pg_stat_bgwriter',
    );
    const t = await this.db.query<{ rel: string; runs: string }>(
      `SELECT schemaname || '.' || relname AS rel, (autovacuum_count + autoanalyze_count)::text AS runs FROM pg_stat_all_tables WHERE autovacuum_count + autoanalyze_count > 0`,
    );
    // pg_stat_wal is PostgreSQL 14 and later; on an older server the WAL reads as 0.
    const wal = await this.db
      .query<{ wal_records: string; wal_fpi: string; wal_bytes: string }>('SELECT wal_records::text, wal_fpi::text, wal_bytes::text FROM pg_stat_wal')
      .then((r) => r.rows[0])
      .catch(() => undefined);
    const b = w.rows[0];
    return {
      checkpointsTimed: Number(b?.checkpoints_timed ?? 0),
      checkpointsRequested: Number(b?.checkpoints_req ?? 0),
      buffersCheckpoint: Number(b?.buffers_checkpoint ?? 0),
      buffersClean: Number(b?.buffers_clean ?? 0),
      buffersBackend: Number(b?.buffers_backend ?? 0),
      walRecords: Number(wal?.wal_records ?? 0),
      walFpi: Number(wal?.wal_fpi ?? 0),
      walBytes: Number(wal?.wal_bytes ?? 0),
      autoRuns: Object.fromEntries(t.rows.map((r) => [r.rel, Number(r.runs)])),
    };
  }

  /** What happened between two snapshots (pg_stat_statements counts since the reset). */
  static delta(before: PgSnapshot, after: PgSnapshot): PgSnapshot {
    return {
      method: after.method,
      statements: after.method === 'pg_stat_statements' ? after.statements : after.xactCommit - before.xactCommit,
      xactCommit: after.xactCommit - before.xactCommit,
      tupInserted: after.tupInserted - before.tupInserted,
      tupUpdated: after.tupUpdated - before.tupUpdated,
      execMs: after.execMs,
      top: after.top,
      background: backgroundDelta(before.background, after.background),
    };
  }

  /**
   * Every statement of the platform's database counted since the last reset, with its
   * calls, execution time and WAL (pg_stat_statements only; empty otherwise), for
   * `statementShares`.
   */
  async statements(): Promise<StatementCount[]> {
    if (this.method !== 'pg_stat_statements') return [];
    const read = (toplevelOnly: boolean) =>
      this.db.query<{ query: string; calls: string; ms: string; wal: string }>(
        `SELECT query, calls::text, total_exec_time::text AS ms, wal_bytes::text AS wal FROM pg_stat_statements
         WHERE ${PLATFORM_STATEMENTS}${toplevelOnly ? ' AND toplevel' : ''}`,
        [this.database],
      );
    // Statements run inside others (a foreign key's check inside an INSERT) are counted in
    // their caller's time as well: only the top-level ones are added up, where the server
    // tells them apart (PostgreSQL 14 and later).
    const rows = await read(true).catch(() => read(false));
    return rows.rows.map((r) => ({ query: r.query, calls: Number(r.calls), ms: Number(r.ms), walBytes: Number(r.wal) }));
  }

  async query<T extends Record<string, unknown>>(sql: string, params: unknown[]): Promise<T[]> {
    return (await this.db.query<T>(sql, params)).rows;
  }

  async close(): Promise<void> {
    await this.db.end();
  }
}

/**
 * VACUUM (ANALYZE) of every database on the server, as pgbench does before each run: the
 * dead rows and unanalyzed changes an earlier scenario (or warm-up) left are dealt with now
 * instead of by an autovacuum worker inside the next scenario's window, whose CPU would
 * otherwise be counted against that scenario's work. Before this, the listener scenario's
 * 60,000 requests left autovacuum runs that fell into the delivered scenario's window in one
 * run of three (PostgreSQL 0.29-0.44 ms per delivery against 0.12-0.17 without them; the
 * 22:27, 07:02, 12:15 and 14:57 series of 5 and 6 December). A window's own writes may
 * still start one, which is then that window's cost. Returns how long it took.
 */
export async function vacuumEverything(databaseUrl: string): Promise<number> {
  const started = performance.now();
  const admin = new Client({ connectionString: databaseUrl });
  await admin.connect();
  let names: string[];
  try {
    names = (await admin.query<{ datname: string }>('SELECT datname FROM pg_database WHERE datallowconn AND NOT datistemplate ORDER BY datname')).rows.map((r) => r.datname);
  } finally {
    await admin.end();
  }
  for (const name of names) {
    const url = new URL(databaseUrl);
    url.pathname = `/${encodeURIComponent(name)}`;
    const db = new Client({ connectionString: url.toString() });
    await db.connect();
    try {
      await db.query('VACUUM (ANALYZE)');
    } finally {
      await db.end();
    }
  }
  // No CHECKPOINT after it: tried, and the next window then paid a full-page image in the
  // WAL for the first change to every page (662 of them in the delivered window,
  // PostgreSQL 0.195 ms per delivery against 0.12-0.17), which a window at a random point
  // between two checkpoints would not.
  return performance.now() - started;
}

/** PostgreSQL's background work between two snapshots: the autovacuum runs, table by table. */
export function backgroundDelta(before: PgBackground, after: PgBackground): PgBackground {
  const autoRuns: Record<string, number> = {};
  for (const [rel, n] of Object.entries(after.autoRuns)) {
    const d = n - (before.autoRuns[rel] ?? 0);
    if (d > 0) autoRuns[rel] = d;
  }
  return {
    checkpointsTimed: after.checkpointsTimed - before.checkpointsTimed,
    checkpointsRequested: after.checkpointsRequested - before.checkpointsRequested,
    buffersCheckpoint: after.buffersCheckpoint - before.buffersCheckpoint,
    buffersClean: after.buffersClean - before.buffersClean,
    buffersBackend: after.buffersBackend - before.buffersBackend,
    walRecords: after.walRecords - before.walRecords,
    walFpi: after.walFpi - before.walFpi,
    walBytes: after.walBytes - before.walBytes,
    autoRuns,
  };
}

/** One line for a scenario's note: "PostgreSQL's own work in the window: …". */
export function backgroundLine(b: PgBackground): string {
  const tables = Object.entries(b.autoRuns)
    .sort((x, y) => y[1] - x[1])
    .map(([rel, n]) => (n > 1 ? `${rel} ×${n}` : rel));
  const vacuum = tables.length > 0 ? `autovacuum/analyze of ${tables.slice(0, 6).join(', ')}${tables.length > 6 ? ` and ${tables.length - 6} more` : ''}` : 'no autovacuum';
  const wal = `WAL ${(b.walBytes / 1048576).toFixed(1)} MB in ${b.walRecords} records, ${b.walFpi} of them full-page images`;
  return `checkpoints started ${b.checkpointsTimed} timed and ${b.checkpointsRequested} requested, buffers written by the checkpointer ${b.buffersCheckpoint}, the background writer ${b.buffersClean}, backends ${b.buffersBackend}; ${wal}; ${vacuum}`;
}

/** One statement text of pg_stat_statements: how often it ran, how long it executed (ms), the WAL it wrote. */
export interface StatementCount {
  query: string;
  calls: number;
  ms: number;
  walBytes: number;
}

/** A name (possibly quoted, possibly schema-qualified) as written in a statement, without its schema and quotes. */
const NAME = String.raw`(?:"(?:[^"]|"")+"|[\w$]+)(?:\.(?:"(?:[^"]|"")+"|[\w$]+))?`;
/** A data-changing statement, after the common table expressions that may come first. */
const written = (verb: string) => new RegExp(String.raw`^(?:WITH .*?\)\s*)?${verb} (${NAME})`, 's');
const GROUPS: [RegExp, (m: RegExpExecArray) => string][] = [
  // What PostgreSQL runs itself for a foreign key: SELECT 1 FROM ONLY <parent> x WHERE … FOR KEY SHARE OF x.
  [/^SELECT \$?\d+ FROM ONLY .* FOR KEY SHARE OF x$/s, () => 'foreign-key checks'],
  [written('INSERT INTO'), (m) => `insert ${tableName(m[1])}`],
  [written('UPDATE'), (m) => `update ${tableName(m[1])}`],
  [written('DELETE FROM'), (m) => `delete ${tableName(m[1])}`],
  [/^(START TRANSACTION|BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE SAVEPOINT|ROLLBACK TO SAVEPOINT|SET LOCAL|SET)\b/i, () => 'transaction control'],
  // A SELECT by the table its first FROM reads; one reading a subquery or nothing, by the function it calls.
  [new RegExp(`^SELECT (?:(?! FROM ).)* FROM (${NAME})`, 's'), (m) => `select ${tableName(m[1])}`],
  [/^SELECT ([\w$]+)\(/, (m) => `select ${m[1]}`],
];

function tableName(qualified: string): string {
  const parts = qualified.match(/"(?:[^"]|"")+"|[\w$]+/g) ?? [qualified];
  return parts[parts.length - 1].replace(/^"|"$/g, '').replace(/""/g, '"');
}

/**
 * Which kind of work a statement is, to add up what a window's statements cost by table:
 * "insert orders", "delete orders_lines", "foreign-key checks", "transaction control",
 * "select listener_record_versions"; anything else by its first word.
 */
export function statementGroup(query: string): string {
  const q = query.replace(/\s+/g, ' ').trim();
  for (const [re, name] of GROUPS) {
    const m = re.exec(q);
    if (m) return name(m);
  }
  return (/^\w+/.exec(q)?.[0] ?? 'other').toLowerCase();
}

/** A window's statements added up by group, per operation: the most time first. */
export interface StatementShare {
  group: string;
  callsPerOp: number;
  /** Microseconds of execution per operation. */
  usPerOp: number;
  walBytesPerOp: number;
}

export function statementShares(rows: readonly StatementCount[], ops: number): StatementShare[] {
  if (!(ops > 0)) return [];
  const sums = new Map<string, { calls: number; ms: number; wal: number }>();
  for (const r of rows) {
    const g = statementGroup(r.query);
    const s = sums.get(g) ?? { calls: 0, ms: 0, wal: 0 };
    s.calls += r.calls;
    s.ms += r.ms;
    s.wal += r.walBytes;
    sums.set(g, s);
  }
  return [...sums]
    .map(([group, s]) => ({ group, callsPerOp: s.calls / ops, usPerOp: (s.ms * 1000) / ops, walBytesPerOp: s.wal / ops }))
    .sort((a, b) => b.usPerOp - a.usPerOp);
}

/** "134 µs executing statements per request (insert audit_events 52, insert orders 29, …), WAL 3.9 KB per request". */
export function statementSharesText(shares: readonly StatementShare[], what: string, walBytesPerOp: number, top = 7): string {
  const total = shares.reduce((t, s) => t + s.usPerOp, 0);
  const named = shares.slice(0, top).map((s) => `${s.group} ${Math.round(s.usPerOp)}`);
  const rest = shares.slice(top).reduce((t, s) => t + s.usPerOp, 0);
  if (rest >= 0.5) named.push(`the rest ${Math.round(rest)}`);
  return `${Math.round(total)} µs executing statements per ${what} (${named.join(', ')}), WAL ${(walBytesPerOp / 1024).toFixed(1)} KB per ${what}`;
}
