import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { natsServerEnv } from './nats-server';

describe('natsServerEnv', () => {
  it('runs nats-server on one P by default, keeping the rest of the environment', () => {
    const env = natsServerEnv({ PATH: '/usr/bin', HOME: '/root' });
    assert.equal(env.GOMAXPROCS, '1');
    assert.equal(env.PATH, '/usr/bin');
    assert.equal(env.HOME, '/root');
  });
  it('takes HOOKLINE_NATS_GOMAXPROCS over a GOMAXPROCS meant for something else', () => {
    assert.equal(natsServerEnv({ HOOKLINE_NATS_GOMAXPROCS: ' 4 ', GOMAXPROCS: '8' }).GOMAXPROCS, '4');
    assert.equal(natsServerEnv({ HOOKLINE_NATS_GOMAXPROCS: '', GOMAXPROCS: '8' }).GOMAXPROCS, '1');
  });
  it('refuses what is not a number of cores, naming the variable', () => {
    for (const bad of ['0', '-1', '1.5', 'two', '99999']) assert.throws(() => natsServerEnv({ HOOKLINE_NATS_GOMAXPROCS: bad }), /HOOKLINE_NATS_GOMAXPROCS/);
  });
});
