import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { classifyError, DeadlineExceededError, SsrfBlockedError } from './egress-errors';

const err = (code: string, message = code, extra: Record<string, unknown> = {}) => Object.assign(new Error(message), { code, ...extra });

describe('classifyError', () => {
  const table: [string, unknown, string, RegExp?][] = [
    ['SSRF', new SsrfBlockedError('h', 'loopback', 'h resolves to 127.0.0.1 is loopback'), 'ssrf-blocked', /127\.0\.0\.1/],
    ['deadline', new DeadlineExceededError(2000), 'timeout', /2000 ms/],
    ['connect timeout', err('UND_ERR_CONNECT_TIMEOUT'), 'timeout', /connect/],
    ['headers timeout', err('UND_ERR_HEADERS_TIMEOUT'), 'timeout'],
    ['body timeout', err('UND_ERR_BODY_TIMEOUT'), 'timeout'],
    ['refused', err('ECONNREFUSED'), 'connect-refused'],
    ['unknown host', err('ENOTFOUND', 'getaddrinfo ENOTFOUND nope.invalid', { hostname: 'nope.invalid' }), 'dns', /nope\.invalid/],
    ['resolver down', err('EAI_AGAIN'), 'dns'],
    ['self-signed', err('DEPTH_ZERO_SELF_SIGNED_CERT', 'self-signed certificate'), 'tls', /self-signed/],
    ['bad altname', err('ERR_TLS_CERT_ALTNAME_INVALID'), 'tls'],
    ['reset', err('ECONNRESET', 'socket hang up'), 'network', /ECONNRESET/],
    ['wrapped in a cause', Object.assign(new TypeError('fetch failed'), { cause: err('ECONNREFUSED') }), 'connect-refused'],
    ['anything else', new Error('weird'), 'network', /weird/],
    ['not even an error', 'boom', 'network', /boom/],
  ];
  for (const [name, e, cls, reason] of table) {
    it(name, () => {
      const f = classifyError(e);
      assert.equal(f.errorClass, cls);
      if (reason) assert.match(f.reason, reason);
    });
  }
});
