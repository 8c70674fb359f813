import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { DeliveryRow } from './deliveries.repository';
import { resendMsgId, resendOrder } from './deliveries.service';

const row = (over: Partial<DeliveryRow>): DeliveryRow =>
  ({
    id: '0193a9f0-0000-7000-8000-000000000001',
    tenant_id: 't',
    kind: 'webhook',
    target_id: 'r',
    event_id: null,
    topic: null,
    body: '{}',
    attempts: 1,
    created_at: new Date('2026-06-01T12:00:00.000Z'),
    last_attempt_at: new Date('2026-06-01T12:00:00.250Z'),
    ...over,
  }) as DeliveryRow;

const resend = (d: DeliveryRow, askedAt: string) => resendMsgId(d, resendOrder(d, d.attempts + 1, askedAt));

describe('resendMsgId', () => {
  it('asking again before the resent attempt is logged is the same message, whenever asked', () => {
    const d = row({});
    assert.equal(resend(d, '2026-06-01T13:00:00.000Z'), resend(d, '2026-06-01T13:00:00.007Z'));
    assert.equal(resend(d, '2026-06-01T13:00:00.000Z'), `${d.id}:due:2:m:2026-06-01T12:00:00.250Z`);
  });
  it('once the attempt is logged, a new one', () => {
    const d = row({});
    const logged = row({ attempts: 2, last_attempt_at: new Date('2026-06-01T13:00:01.000Z') });
    assert.notEqual(resend(logged, '2026-06-01T13:00:02.000Z'), resend(d, '2026-06-01T13:00:00.000Z'));
  });
  it('before any attempt, the creation stands for the state', () => {
    assert.equal(resend(row({ attempts: 0, last_attempt_at: null }), '2026-06-01T13:00:00.000Z'), '0193a9f0-0000-7000-8000-000000000001:due:1:m:2026-06-01T12:00:00.000Z');
  });
  it('the order keeps the time of asking', () => {
    assert.equal(resendOrder(row({}), 2, '2026-06-01T13:00:00.000Z').createdAt, '2026-06-01T13:00:00.000Z');
  });
});
