import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

/** Who may act for a replicated service: a named lease, held until it expires unless renewed. Not per tenant: one per service. */
export interface Lease {
  name: string;
  holder: string;
}

/**
 * A SQL condition that is true only while `holder` holds lease `name` ($n and $n+1 are
 * the parameters): added to a statement, it makes the statement do nothing for an
 * instance whose lease has expired meanwhile (fencing), whatever that instance believes.
 */
export function leaseHeld(nameParam: number): string {
  return `EXISTS (SELECT 1 FROM service_leases l WHERE l.name = $${nameParam} AND l.holder = $${nameParam + 1} AND l.expires_at > now())`;
}

@Injectable()
export class LeaseRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  /**
   * Takes the lease if nobody holds it (or its holder let it expire), or renews it for
   * its holder; either way it then runs until now + ttl (the database's clock). Returns
   * whether `holder` holds it now.
   */
  async acquireOrRenew(lease: Lease, ttlMs: number): Promise<boolean> {
    const rows: { holder: string }[] = await this.ds.query(
      `INSERT INTO service_leases AS s (name, holder, acquired_at, expires_at)
       VALUES ($1, $2, now(), now() + $3 * interval '1 millisecond')
       ON CONFLICT (name) DO UPDATE SET
         holder = EXCLUDED.holder,
         acquired_at = CASE WHEN s.holder = EXCLUDED.holder THEN s.acquired_at ELSE now() END,
         expires_at = EXCLUDED.expires_at
       WHERE s.holder = EXCLUDED.holder OR s.expires_at <= now()
       RETURNING holder`,
      [lease.name, lease.holder, ttlMs],
    );
    return rows.length === 1 && rows[0].holder === lease.holder;
  }

  /** Gives the lease up at once (a clean shutdown), so another instance need not wait for it to expire. */
  async release(lease: Lease): Promise<void> {
    await this.ds.query('DELETE FROM service_leases WHERE name = $1 AND holder = $2', [lease.name, lease.holder]);
  }

  async holderOf(name: string): Promise<string | undefined> {
    const rows: { holder: string }[] = await this.ds.query('SELECT holder FROM service_leases WHERE name = $1 AND expires_at > now()', [name]);
    return rows[0]?.holder;
  }
}
