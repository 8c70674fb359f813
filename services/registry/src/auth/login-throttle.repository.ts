import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager, IsNull, LessThan, Or } from 'typeorm';
import { LoginThrottleRow } from './entities/login-throttle.entity';
import { forgiveFailure, reserveAttempt, ThrottlePolicy, ThrottleState } from './login-throttle';

function toState(r: LoginThrottleRow): ThrottleState | undefined {
  return r.failures > 0 || r.blockedUntil ? { failures: r.failures, windowStartedAt: r.windowStartedAt.getTime(), blockedUntil: r.blockedUntil ? r.blockedUntil.getTime() : null } : undefined;
}

/** Kept in PostgreSQL, so every registry instance throttles the same keys. Keys are not tenant data. */
@Injectable()
export class LoginThrottleRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** The keys' rows, made when missing and locked (in key order, so two attempts never wait for each other in a circle). */
  private async locked(em: EntityManager, keys: readonly string[], now: number): Promise<(ThrottleState | undefined)[]> {
    const repo = em.getRepository(LoginThrottleRow);
    const out: (ThrottleState | undefined)[] = [];
    for (const key of keys) {
      await repo.createQueryBuilder().insert().values({ key, failures: 0, windowStartedAt: new Date(now), blockedUntil: null }).orIgnore().updateEntity(false).execute();
      const row = await repo.findOne({ where: { key }, lock: { mode: 'pessimistic_write' } });
      out.push(row ? toState(row) : undefined);
    }
    return out;
  }

  private async save(em: EntityManager, key: string, s: ThrottleState): Promise<void> {
    await em.getRepository(LoginThrottleRow).update({ key }, { failures: s.failures, windowStartedAt: new Date(s.windowStartedAt), blockedUntil: s.blockedUntil ? new Date(s.blockedUntil) : null });
  }

  /**
   * Before an attempt checks its credentials: the seconds to wait when a key is blocked
   * (nothing counted then), else 0 with the attempt already counted as a failure on every
   * key, atomically, so that concurrent attempts each see the ones before them.
   */
  async reserve(keys: { key: string; policy: ThrottlePolicy }[], now: number): Promise<number> {
    const sorted = [...keys].sort((a, b) => a.key.localeCompare(b.key));
    return this.dataSource.transaction(async (em) => {
      const states = await this.locked(em, sorted.map((k) => k.key), now);
      const r = reserveAttempt(states, now, sorted.map((k) => k.policy));
      for (const [i, next] of r.next.entries()) await this.save(em, sorted[i].key, next);
      return r.wait;
    });
  }

  /** The attempt counted by `reserve` had the right credentials: take its failure back. */
  async forgive(key: string, policy: ThrottlePolicy, now: number): Promise<void> {
    await this.dataSource.transaction(async (em) => {
      const [state] = await this.locked(em, [key], now);
      const next = forgiveFailure(state, policy);
      // Nothing left to remember: no row, as for an address that never failed.
      if (!next || (next.failures === 0 && !next.blockedUntil)) await em.getRepository(LoginThrottleRow).delete({ key });
      else await this.save(em, key, next);
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
