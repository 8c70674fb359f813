// The registry's repositories against a real PostgreSQL: every query is scoped by tenant,
// unit paths answer "is X below Y", and a TOTP step is consumed once however many race.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DataSource } from 'typeorm';
import { uuidv7 } from '@hookline/contracts';
import { createTestDataSource, sharedPostgresUrl, type TestDataSource } from '@hookline/testing';
import { AccountsRepository } from '../accounts/accounts.repository';
import { Account } from '../accounts/entities/account.entity';
import { Tenant } from '../tenants/entities/tenant.entity';
import { User } from '../users/entities/user.entity';
import { UsersRepository } from '../users/users.repository';
import { Unit } from './entities/unit.entity';
import { UnitsRepository } from './units.repository';

const adminUrl = sharedPostgresUrl();

describe('registry repositories', { skip: !adminUrl && 'HOOKLINE_TEST_PG_URL is not set (run through npm test)' }, () => {
  let db: TestDataSource;
  let ds: DataSource;
  let units: UnitsRepository;
  let users: UsersRepository;
  let accounts: AccountsRepository;
  const at = (i: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, i));

  before(async () => {
    db = await createTestDataSource('registry', { poolSize: 8, entities: [Tenant, Unit, User, Account] });
    ds = db.dataSource;
    units = new UnitsRepository(ds);
    users = new UsersRepository(ds);
    accounts = new AccountsRepository(ds);
    for (const t of ['t1', 't2']) await ds.getRepository(Tenant).insert({ id: t, name: t, baseUrl: null, createdAt: at(0), updatedAt: at(0) });
    let i = 0;
    const add = (tenantId: string, path: string[]) =>
      units.insertIfAbsent(ds.manager, { tenantId, id: path[path.length - 1], name: path.join('/'), parentId: path[path.length - 2] ?? null, path, createdAt: at(++i), updatedAt: at(i) });
    for (const p of [['n'], ['n', 'a'], ['n', 'a', 'a1'], ['n', 'b'], ['s']]) assert.equal(await add('t1', p), true);
    assert.equal(await add('t2', ['n']), true, 'the same id in another tenant is another unit');
    assert.equal(await add('t1', ['n']), false, 'a second insert of the same id is refused');
  });
  after(async () => {
    await db?.drop();
  });

  it('paths, descendants and lists stay inside the tenant', async () => {
    assert.deepEqual(Object.fromEntries(await units.paths('t1', ['a1', 's', 'nope'])), { a1: ['n', 'a', 'a1'], s: ['s'] });
    assert.deepEqual(Object.fromEntries(await units.paths('t2', ['a1', 'n'])), { n: ['n'] });
    const below = await ds.transaction((em) => units.descendants('t1', 'n', em));
    assert.deepEqual(below.map((u) => u.id).sort(), ['a', 'a1', 'b']);
    assert.deepEqual((await units.list('t1', { scope: ['a'] }, 10)).map((u) => u.id).sort(), ['a', 'a1']);
    assert.deepEqual((await units.list('t1', { scope: '*', under: 'a' }, 10)).map((u) => u.id).sort(), ['a', 'a1']);
    assert.deepEqual((await units.list('t2', { scope: '*' }, 10)).map((u) => u.id), ['n']);
    assert.deepEqual((await units.list('t1', { scope: '*', q: 'N/A%' }, 10)).map((u) => u.id), [], 'LIKE wildcards in q are literal');
    const page1 = await units.list('t1', { scope: '*' }, 2);
    const page2 = await units.list('t1', { scope: '*' }, 10, { at: page1[1].createdAt.toISOString(), id: page1[1].id });
    assert.deepEqual([...page1, ...page2].map((u) => u.id), ['s', 'b', 'a1', 'a', 'n']);
  });

  it('users in scope: one of their units inside a scope unit, never the all-units ones', async () => {
    const add = (id: string, allUnits: boolean, list: string[]) => users.insertIfAbsent(ds.manager, { tenantId: 't1', id, displayName: id, allUnits, units: list, createdAt: at(50), updatedAt: at(50) });
    await add('inside', false, ['a1']);
    await add('outside', false, ['s']);
    await add('everywhere', true, []);
    assert.deepEqual((await users.list('t1', { scope: ['a'] }, 10)).map((u) => u.id), ['inside']);
    assert.deepEqual((await users.list('t1', { scope: '*', unitPath: ['n', 'a', 'a1'] }, 10)).map((u) => u.id).sort(), ['everywhere', 'inside']);
    assert.deepEqual(await users.list('t2', { scope: '*' }, 10), []);
  });

  it('a TOTP step is consumed once, however many logins race for it', async () => {
    const id = uuidv7();
    await accounts.insertIfAbsent(ds.manager, {
      id,
      tenantId: 't1',
      name: 'robot',
      description: null,
      enabled: true,
      grants: [],
      tokenId: '0123456789abcdef',
      tokenHash: 'scrypt$x',
      totpSecretSealed: 'v1.x',
      totpLastStep: null,
      credentialsIssuedAt: at(0),
      lastLoginAt: null,
      createdAt: at(0),
      updatedAt: at(0),
    });
    const wins = await Promise.all(Array.from({ length: 8 }, () => ds.transaction((em) => accounts.consumeTotpStep(em, 't1', id, '0123456789abcdef', 1000, new Date()))));
    assert.equal(wins.filter(Boolean).length, 1);
    assert.equal(await ds.transaction((em) => accounts.consumeTotpStep(em, 't1', id, '0123456789abcdef', 999, new Date())), false);
    assert.equal(await ds.transaction((em) => accounts.consumeTotpStep(em, 't2', id, '0123456789abcdef', 1001, new Date())), false, 'not through another tenant');
    assert.equal(await ds.transaction((em) => accounts.consumeTotpStep(em, 't1', id, 'fedcba9876543210', 1002, new Date())), false, 'not once the API token was replaced');
    assert.equal((await accounts.findByTokenId('0123456789abcdef'))?.id, id);
    assert.equal(await accounts.find('t2', id), null);
  });
});
