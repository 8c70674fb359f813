// Statistics for the tables the apply writes, as soon as they hold something. PostgreSQL
// plans from statistics that autovacuum gathers a minute or more after a table starts
// filling, and every statement of an apply joins a batch's keys to a table's primary
// key. Without statistics the planner chose a hash join over a scan of the whole table,
// or an index on the listener alone: in the listener bench (6 December) looking up the
// versions of a batch of 200 changes in 30,000 rows took 11 ms, and deleting their child
// rows 4 ms, growing with the table, for as long as the burst that filled it. So after a
// batch the apply asks (at most every CHECK_EVERY_MS, one question for all its tables)
// which of them were never analyzed and hold more than ANALYZE_FROM_BYTES, and analyzes
// those once; autovacuum keeps them current from there.
import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { tenantSchema, type ListenerChangeState } from '@hookline/contracts';
import { qualified } from '@hookline/listener-tables';
import { LOGGER, Logger } from '@hookline/observability';

export const CHECK_EVERY_MS = 2000;
/** 32 pages: a few hundred records, enough for statistics that tell a key from a listener id. */
export const ANALYZE_FROM_BYTES = 256 * 1024;

/** The tables changes of these listeners write (qualified and quoted, as to_regclass reads them), the versions table with them. */
export function writtenTables(listeners: readonly (ListenerChangeState | undefined)[]): string[] {
  const out = new Set<string>(['listener_record_versions']);
  for (const l of listeners) {
    if (!l?.structure) continue;
    const schema = tenantSchema(l.tenant);
    for (const t of l.structure.tables) out.add(qualified(schema, t.name));
  }
  return [...out];
}

@Injectable()
export class TableStatistics {
  /** Tables known to have statistics (or to be gone): never asked about again. */
  private readonly settled = new Set<string>();
  private running: Promise<string[]> | undefined;
  private lastCheck = 0;

  constructor(
    private readonly dataSource: DataSource,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  /** After a batch: these tables (qualified, quoted names) were written; checked in the background. */
  written(tables: Iterable<string>, now = Date.now()): void {
    if (this.running || now - this.lastCheck < CHECK_EVERY_MS) return;
    const open = [...new Set(tables)].filter((t) => !this.settled.has(t));
    if (open.length === 0) return;
    this.lastCheck = now;
    this.running = this.check(open)
      .catch((err: unknown) => {
        this.logger.warn({ err: (err as Error).message }, 'could not analyze the tables a listener writes (their lookups may be slow until autovacuum does)');
        return [];
      })
      .finally(() => (this.running = undefined));
  }

  /** Analyzes those of the tables that were never analyzed and hold more than ANALYZE_FROM_BYTES; returns them. */
  async check(tables: string[]): Promise<string[]> {
    const rows: { name: string; rel: string | null; known: boolean | null; bytes: string | null }[] = await this.dataSource.query(
      `SELECT x.name, c.oid::regclass::text AS rel, c.reltuples >= 0 AS known, pg_relation_size(c.oid)::text AS bytes
         FROM unnest($1::text[]) AS x(name) LEFT JOIN pg_class c ON c.oid = to_regclass(x.name)`,
      [tables],
    );
    const analyzed: string[] = [];
    for (const r of rows) {
      if (r.rel === null || r.known) {
        this.settled.add(r.name);
        continue;
      }
      if (Number(r.bytes) < ANALYZE_FROM_BYTES) continue;
      // The name as PostgreSQL spells it (regclass output: quoted where it must be).
      await this.dataSource.query(`ANALYZE ${r.rel}`);
      this.settled.add(r.name);
      analyzed.push(r.name);
    }
    if (analyzed.length > 0) this.logger.info({ tables: analyzed }, 'analyzed tables PostgreSQL had no statistics for yet');
    return analyzed;
  }
}
