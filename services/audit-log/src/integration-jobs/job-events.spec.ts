import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { DeliveryLiveUpdate } from '@hookline/contracts';
import { nextState } from './job-events';

const recorded = (status: string, attempts: number, over: Partial<DeliveryLiveUpdate & { type: 'recorded' }> = {}): DeliveryLiveUpdate => ({
  type: 'recorded', deliveryId: 'd', tenantId: 't', status, attempts, lastStatusCode: null, lastErrorClass: null, statusReason: null, at: '', ...over,
});
const sending: DeliveryLiveUpdate = { type: 'sending', deliveryId: 'd', tenantId: 't', attempt: 1, at: '' };

describe('job event stream: what to tell next', () => {
  it('scheduled, then sending, then the outcome', () => {
    assert.deepEqual(nextState(undefined, recorded('pending', 0)), { state: 'scheduled' });
    assert.deepEqual(nextState({ state: 'scheduled' }, sending), { state: 'sending' });
    assert.deepEqual(nextState({ state: 'sending' }, recorded('succeeded', 1, { lastStatusCode: 200 })), { state: 'succeeded', statusCode: 200 });
  });
  it('a failure names the seed\'s error and the status', () => {
    assert.deepEqual(nextState({ state: 'sending' }, recorded('failed', 1, { lastStatusCode: 503, lastErrorClass: 'http-status', statusReason: 'HTTP 503' })), {
      state: 'failed', error: 'Integration error', statusCode: 503, reason: 'HTTP 503',
    });
  });
  it('never goes back, and says nothing twice', () => {
    assert.equal(nextState({ state: 'sending' }, recorded('pending', 0)), undefined);
    assert.equal(nextState({ state: 'sending' }, sending), undefined);
    assert.equal(nextState({ state: 'succeeded' }, recorded('failed', 2)), undefined);
  });
});
