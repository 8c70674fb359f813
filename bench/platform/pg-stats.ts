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
  top: { query: string; calls: number }[];
}

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
    // Our own statistics queries are left out; everything else on the database is the platform.
    const statsFilter = `dbid = (SELECT oid FROM pg_database WHERE datname = $1) AND query NOT ILIKE '%pg_stat_%' AND query NOT ILIKE '%pg_stat_statements%'`;
    let statements = 0;
    let top: PgSnapshot['top'] = [];
    if (this.method === 'pg_stat_statements') {
      const sum = await this.db.query<{ n: string | null }>(`SELECT sum(calls)::text AS n FROM pg_stat_statements WHERE ${statsFilter}`, [this.database]);
      statements = Number(sum.rows[0]?.n ?? 0);
      // Grouped by how a statement starts: a multi-row INSERT has one text per batch size.
      const rows = await this.db.query<{ query: string; calls: string }>(
        `SELECT left(regexp_replace(query, '\\s+', ' ', 'g'), 60) AS query, sum(calls)::text AS calls FROM pg_stat_statements WHERE ${statsFilter}
         GROUP BY 1 ORDER BY sum(calls) DESC LIMIT 8`,
        [this.database],
      );
      top = rows.rows.map((r) => ({ query: r.query.slice(0, 140), calls: Number(r.calls) }));
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
      top,
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
      top: after.top,
    };
  }

  async query<T extends Record<string, unknown>>(sql: string, params: unknown[]): Promise<T[]> {
    return (await this.db.query<T>(sql, params)).rows;
  }

  async close(): Promise<void> {
    await this.db.end();
  }
}
