import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager, IsNull, Not } from 'typeorm';
import { SigningKey } from './entities/signing-key.entity';

/** Serialises key creation across registry instances. */
const KEY_LOCK = 726_177;

@Injectable()
export class SigningKeysRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Runs `work` holding the key-creation lock. */
  withLock<T>(work: (em: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(async (em) => {
      await em.query('SELECT pg_advisory_xact_lock($1)', [KEY_LOCK]);
      return work(em);
    });
  }

  /** The newest key not retired: the one to sign with. */
  current(em?: EntityManager): Promise<SigningKey | null> {
    return (em ?? this.dataSource.manager).getRepository(SigningKey).findOne({ where: { retiredAt: IsNull() }, order: { createdAt: 'DESC' } });
  }

  async insert(em: EntityManager, key: SigningKey): Promise<void> {
    await em.getRepository(SigningKey).insert(key);
  }

  /** Every other key stops signing now and leaves the published set at `until`. */
  async retireAllBut(em: EntityManager, kid: string, until: Date): Promise<void> {
    await em.getRepository(SigningKey).update({ kid: Not(kid), retiredAt: IsNull() }, { retiredAt: until });
  }
}
