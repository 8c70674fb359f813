// The signer client's batching, against a fake NatsRpc that answers when told: sign
// requests of one event-loop turn go as one request; with a limit on requests out, what is
// asked meanwhile waits and goes as one batch when a request comes back; without a limit
// every turn sends its own.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { SIGNER_SUBJECTS, type SignRequest } from '@hookline/contracts';
import type { NatsRpc } from '@hookline/messaging';
import { InstanceStats, Metrics } from '@hookline/observability';
import type { DispatcherConfig } from '../config';
import { SignerClient } from './signer-client';

interface Call {
  subject: string;
  count: number;
  answer(): void;
}

function fakeRpc() {
  const calls: Call[] = [];
  const rpc = {
    call: (subject: string, request: { requests?: SignRequest[] }) =>
      new Promise((resolve) => {
        const requests = subject === SIGNER_SUBJECTS.signBatch ? (request.requests ?? []) : [request as SignRequest];
        const replies = requests.map((r) => ({ ok: true, result: { headers: { 'x-signed': r.deliveryId } } }));
        calls.push({ subject, count: requests.length, answer: () => resolve(subject === SIGNER_SUBJECTS.signBatch ? { ok: true, result: { replies } } : replies[0]) });
      }),
  } as unknown as NatsRpc;
  return { rpc, calls };
}

const turn = () => new Promise<void>((r) => setImmediate(r));
const request = (i: number) => ({ deliveryId: `d-${i}` }) as unknown as SignRequest;

function client(signerInFlight: number) {
  const { rpc, calls } = fakeRpc();
  const config = { signerTimeoutMs: 1000, signerInFlight } as DispatcherConfig;
  return { signer: new SignerClient(rpc, new InstanceStats(), config, new Metrics({ service: 'dispatcher' })), calls };
}

describe('SignerClient', () => {
  it('sends the requests of one turn as one batch, and answers each its own', async () => {
    const { signer, calls } = client(0);
    const replies = [1, 2, 3].map((i) => signer.sign(request(i)));
    await turn();
    assert.deepEqual(
      calls.map((c) => [c.subject, c.count]),
      [[SIGNER_SUBJECTS.signBatch, 3]],
    );
    calls[0].answer();
    const got = await Promise.all(replies);
    assert.deepEqual(
      got.map((r) => (r.ok ? (r.result as { headers: Record<string, string> }).headers['x-signed'] : r.error.code)),
      ['d-1', 'd-2', 'd-3'],
    );
  });

  it('without a limit, each turn sends its own request while others are out', async () => {
    const { signer, calls } = client(0);
    void signer.sign(request(1));
    await turn();
    void signer.sign(request(2));
    void signer.sign(request(3));
    await turn();
    assert.deepEqual(
      calls.map((c) => c.count),
      [1, 2],
    );
  });

  it('with one request out at most, what comes meanwhile waits and goes together when it returns', async () => {
    const { signer, calls } = client(1);
    const first = signer.sign(request(1));
    await turn();
    const later = [2, 3, 4].map((i) => signer.sign(request(i)));
    await turn();
    await turn();
    assert.deepEqual(
      calls.map((c) => c.count),
      [1],
      'nothing more goes while the first is out',
    );
    calls[0].answer();
    await first;
    await turn();
    await turn();
    assert.deepEqual(
      calls.map((c) => [c.subject, c.count]),
      [
        [SIGNER_SUBJECTS.sign, 1],
        [SIGNER_SUBJECTS.signBatch, 3],
      ],
    );
    calls[1].answer();
    assert.equal((await Promise.all(later)).length, 3);
  });

  it('with two out at most, the second goes at once and the third waits', async () => {
    const { signer, calls } = client(2);
    void signer.sign(request(1));
    await turn();
    void signer.sign(request(2));
    await turn();
    void signer.sign(request(3));
    await turn();
    assert.deepEqual(
      calls.map((c) => c.count),
      [1, 1],
    );
    calls[1].answer();
    await turn();
    await turn();
    assert.deepEqual(
      calls.map((c) => c.count),
      [1, 1, 1],
    );
  });
});
