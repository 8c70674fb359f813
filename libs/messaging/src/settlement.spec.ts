import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DeferredError, PoisonMessageError, RetryableError } from './errors';
import { backoffDelay, settle, SettlementPolicy } from './settlement';

const policy: SettlementPolicy = { maxDeliver: 5, baseDelayMs: 100, maxDelayMs: 1000 };

describe('settle', () => {
  const table: [string, unknown, number, ReturnType<typeof settle>][] = [
    ['success acks', undefined, 1, { kind: 'ack' }],
    ['an unknown error naks with backoff', new Error('db down'), 1, { kind: 'nak', delayMs: 100 }],
    ['backoff doubles', new Error('db down'), 3, { kind: 'nak', delayMs: 400 }],
    ['backoff is capped', new Error('db down'), 4, { kind: 'nak', delayMs: 800 }],
    ['a retryable error keeps its own delay', new RetryableError('later', 2500), 2, { kind: 'nak', delayMs: 2500 }],
    ['a retryable error without delay backs off', new RetryableError('later'), 2, { kind: 'nak', delayMs: 200 }],
    ['poison is dead-lettered at once', new PoisonMessageError('bad json'), 1, { kind: 'dead-letter', reason: 'bad json' }],
    ['the last delivery is dead-lettered', new Error('still down'), 5, { kind: 'dead-letter', reason: 'gave up after 5 deliveries: still down' }],
    ['a thrown non-error counts as an error', 'boom', 1, { kind: 'nak', delayMs: 100 }],
    ['a deferral naks with its delay even past the delivery budget', new DeferredError('busy', 250), 500, { kind: 'nak', delayMs: 250 }],
  ];
  for (const [name, error, count, expected] of table) it(name, () => assert.deepEqual(settle(error, count, policy), expected));
});

describe('backoffDelay', () => {
  it('never exceeds the cap, even for huge counts', () => assert.equal(backoffDelay(10_000, policy), 1000));
});
