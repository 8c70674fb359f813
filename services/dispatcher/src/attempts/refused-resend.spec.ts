import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { DispatchOrder } from '@hookline/contracts';
import { refusedResend } from './attempt.service';

describe('refusedResend', () => {
  it('logs a resend that may not go out as its attempt, manual, not made (no request), with why', () => {
    const order: DispatchOrder = {
      deliveryId: 'd-1', tenantId: 't', kind: 'webhook', target: 'r1', source: { eventId: 'e-1', topic: 'A.b' }, attempt: 3, body: '{}', createdAt: '2026-01-01T00:00:00.000Z', manual: true,
    };
    assert.deepEqual(refusedResend(order, '2026-01-01T00:00:01.000Z', 'the receiving account crm (a1) is disabled'), {
      type: 'attempted',
      deliveryId: 'd-1',
      tenantId: 't',
      kind: 'webhook',
      attempt: 3,
      at: '2026-01-01T00:00:01.000Z',
      ok: false,
      durationMs: 0,
      errorClass: 'cancelled',
      error: 'the receiving account crm (a1) is disabled',
      requestHeaders: {},
      manual: true,
    });
  });
});
