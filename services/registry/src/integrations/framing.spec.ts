import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { framingVerdict } from './framing';

const page = 'https://vet.example.com';
const target = 'https://crm.example.org/panel?x=1';

describe('framingVerdict', () => {
  const table: [string, Record<string, string>, boolean, string?][] = [
    ['no header', {}, true],
    ['X-Frame-Options: DENY', { 'x-frame-options': 'DENY' }, false],
    ['X-Frame-Options: SAMEORIGIN from another origin', { 'x-frame-options': 'SAMEORIGIN' }, false],
    ['X-Frame-Options: ALLOW-FROM (obsolete, ignored)', { 'x-frame-options': 'ALLOW-FROM https://vet.example.com' }, true],
    ['frame-ancestors none', { 'content-security-policy': "default-src 'self'; frame-ancestors 'none'" }, false],
    ['frame-ancestors *', { 'content-security-policy': 'frame-ancestors *' }, true],
    ['frame-ancestors the page', { 'content-security-policy': 'frame-ancestors https://vet.example.com' }, true],
    ['frame-ancestors a wildcard subdomain', { 'content-security-policy': 'frame-ancestors https://*.example.com' }, true],
    ['frame-ancestors another host', { 'content-security-policy': 'frame-ancestors https://other.example.com' }, false],
    ['frame-ancestors https: scheme', { 'content-security-policy': 'frame-ancestors https:' }, true],
    ['frame-ancestors self only', { 'content-security-policy': "frame-ancestors 'self'" }, false],
    ['frame-ancestors wins over X-Frame-Options', { 'content-security-policy': 'frame-ancestors https://vet.example.com', 'x-frame-options': 'DENY' }, true],
    ['a CSP without frame-ancestors leaves X-Frame-Options in charge', { 'content-security-policy': "default-src 'self'", 'x-frame-options': 'DENY' }, false],
    ['two policies, one refusing', { 'content-security-policy': 'frame-ancestors *, frame-ancestors https://other.example.com' }, false],
    ['another port', { 'content-security-policy': 'frame-ancestors https://vet.example.com:8443' }, false],
    // An http source admits the https page (each row as Debian's chromium judged it).
    ['an http source for the https page', { 'content-security-policy': 'frame-ancestors http://vet.example.com' }, true],
    ['an http source with :80 for the https page on 443', { 'content-security-policy': 'frame-ancestors http://vet.example.com:80' }, true],
    ['an http source with an exact :443 (chromium refuses it)', { 'content-security-policy': 'frame-ancestors http://vet.example.com:443' }, false],
    ['an https source with :80', { 'content-security-policy': 'frame-ancestors https://vet.example.com:80' }, false],
    ['an https source with :443', { 'content-security-policy': 'frame-ancestors https://vet.example.com:443' }, true],
    ['an http source with any port', { 'content-security-policy': 'frame-ancestors http://vet.example.com:*' }, true],
  ];
  for (const [name, headers, ok] of table) {
    it(name, () => {
      const v = framingVerdict(headers, page, target);
      assert.equal(v.frameable, ok, JSON.stringify(v));
      if (!v.frameable) assert.ok(v.reason.length > 0);
    });
  }
  it('SAMEORIGIN from the same origin frames', () => assert.equal(framingVerdict({ 'x-frame-options': 'SAMEORIGIN' }, 'https://crm.example.org', target).frameable, true));
  it('an https source does not admit the http page of the same host', () => {
    assert.equal(framingVerdict({ 'content-security-policy': 'frame-ancestors https://vet.example.com' }, 'http://vet.example.com', target).frameable, false);
  });
  it('a source without a port wants the default port of the page', () => {
    assert.equal(framingVerdict({ 'content-security-policy': 'frame-ancestors http://vet.example.com' }, 'https://vet.example.com:8443', target).frameable, false);
    assert.equal(framingVerdict({ 'content-security-policy': 'frame-ancestors vet.example.com' }, 'https://vet.example.com', 'http://crm.example.org/x').frameable, true);
  });
  it('http pages on loopback ports', () => {
    assert.equal(framingVerdict({ 'content-security-policy': 'frame-ancestors http://127.0.0.1:8090' }, 'http://127.0.0.1:8090', 'http://127.0.0.1:9000/x').frameable, true);
    assert.equal(framingVerdict({ 'content-security-policy': 'frame-ancestors http://127.0.0.1:8091' }, 'http://127.0.0.1:8090', 'http://127.0.0.1:9000/x').frameable, false);
  });
});
