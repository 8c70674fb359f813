import { Injectable } from '@nestjs/common';
import { DataSource, In, IsNull, LessThan, Or } from 'typeorm';
import { LoginThrottleRow } from './entities/login-throttle.entity';
import { recordFailure, ThrottlePolicy, ThrottleState } from './login-throttle';

function toState(r: LoginThrottleRow): ThrottleState {
  return { failures: r.failures, windowStartedAt: r.windowStartedAt.getTime(), blockedUntil: r.blockedUntil ? r.blockedUntil.getTime() : null };
}

/** Kept in PostgreSQL, so every registry instance throttles the same keys. Keys are not tenant data. */
@Injectable()
export class LoginThrottleRepository {
  constructor(private readonly dataSource: DataSource) {}

  async states(keys: string[]): Promise<Map<string, ThrottleState>> {
    const rows = await this.dataSource.getRepository(LoginThrottleRow).find({ where: { key: In(keys) } });
    return new Map(rows.map((r) => [r.key, toState(r)]));
  }

  /** Counts a failure for each key atomically (concurrent failures all count). */
  async recordFailures(keys: { key: string; policy: ThrottlePolicy }[], now: number): Promise<void> {
    await this.dataSource.transaction(async (em) => {
      const repo = em.getRepository(LoginThrottleRow);
      for (const { key, policy } of [...keys].sort((a, b) => a.key.localeCompare(b.key))) {
        await repo.createQueryBuilder().insert().values({ key, failures: 0, windowStartedAt: new Date(now), blockedUntil: null }).orIgnore().updateEntity(false).execute();
        const row = await repo.findOne({ where: { key }, lock: { mode: 'pessimistic_write' } });
        const before = row && row.failures > 0 ? toState(row) : undefined;
        const next = recordFailure(before, now, policy);
        await repo.update({ key }, { failures: next.failures, windowStartedAt: new Date(next.windowStartedAt), blockedUntil: next.blockedUntil ? new Date(next.blockedUntil) : null });
      }
    });
  }

  async clear(key: string): Promise<void> {
    await this.dataSource.getRepository(LoginThrottleRow).delete({ key });
  }

  /** Rows whose window and block are both over carry no information. */
  async purge(olderThan: Date): Promise<void> {
    await this.dataSource.getRepository(LoginThrottleRow).delete({ windowStartedAt: LessThan(olderThan), blockedUntil: Or(IsNull(), LessThan(olderThan)) });
  }
}
