import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { smtpAccepted, smtpFailure, type SmtpError } from './smtp-outcome';

describe('SMTP outcomes', () => {
  it('an accepted message is its reply code and text', () => {
    assert.deepEqual(smtpAccepted('250 2.0.0 Ok: queued as 1', 3), { kind: 'response', status: 250, headers: {}, body: '250 2.0.0 Ok: queued as 1', bodyTruncated: false, durationMs: 3 });
  });
  const cases: [string, SmtpError, string, number | undefined][] = [
    ['a refused recipient is the server reply', { code: 'EENVELOPE', responseCode: 550, response: '550 no such user' }, 'response', 550],
    ['a temporary refusal too', { code: 'EMESSAGE', responseCode: 451, response: '451 try later' }, 'response', 451],
    ['a refused connection', { code: 'ESOCKET', message: 'connect ECONNREFUSED 127.0.0.1:2525' }, 'connect-refused', undefined],
    ['a timeout', { code: 'ETIMEDOUT', message: 'Connection timeout' }, 'timeout', undefined],
    ['an unknown host', { code: 'EDNS', message: 'getaddrinfo ENOTFOUND smtp.invalid' }, 'dns', undefined],
    ['a TLS failure', { code: 'ETLS', message: 'unable to verify the first certificate' }, 'tls', undefined],
    ['anything else', { code: 'EPROTOCOL', message: 'Invalid greeting' }, 'network', undefined],
  ];
  for (const [name, err, kind, status] of cases) {
    it(name, () => {
      const r = smtpFailure(err, 1);
      if (kind === 'response') {
        assert.equal(r.kind, 'response');
        assert.equal(r.kind === 'response' && r.status, status);
      } else {
        assert.equal(r.kind, 'error');
        assert.equal(r.kind === 'error' && r.errorClass, kind);
      }
    });
  }
});
