import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidEmailPayloadError, mailtoAddress, mailtoUrl, parseEmailPayload, renderEmail } from './email-message';

describe('e-mail payloads', () => {
  it('renders fields one per line and once more as JSON', () => {
    const { subject, text } = renderEmail({ subject: 'New installation\r\nBcc: x@evil.example', intro: 'Hello.', fields: { client_id: 'c1', client_secret: null, departments: [1, 2], none: [] } });
    assert.equal(subject, 'New installation Bcc: x@evil.example', 'no header injection through the subject');
    assert.match(text, /^Hello\.\n\nclient_id: c1\nclient_secret: \(none\)\ndepartments: 1, 2\nnone: \(none\)\n/);
    assert.deepEqual(JSON.parse(text.slice(text.indexOf('{'))), { client_id: 'c1', client_secret: null, departments: [1, 2], none: [] });
  });
  const bad: [string, string][] = [
    ['not JSON', '{'],
    ['no subject', '{"fields":{}}'],
    ['no fields', '{"subject":"s"}'],
    ['fields that are a list', '{"subject":"s","fields":[]}'],
    ['an intro that is not text', '{"subject":"s","fields":{},"intro":1}'],
  ];
  for (const [name, text] of bad) it(`refuses ${name}`, () => assert.throws(() => parseEmailPayload(text), InvalidEmailPayloadError));
  it('reads one mailto: address', () => {
    assert.equal(mailtoAddress('mailto:ops%2Bhook@provider.example'), 'ops+hook@provider.example');
    assert.throws(() => mailtoAddress('https://provider.example'), InvalidEmailPayloadError);
    assert.throws(() => mailtoAddress('mailto:a@b.example?cc=c@d.example'), InvalidEmailPayloadError);
  });
  it('writes an address into a mailto: URL that reads back as that one address', () => {
    assert.equal(mailtoUrl('ops+hook@provider.example'), 'mailto:ops%2Bhook@provider.example');
    for (const address of ['ops@provider.example', 'x%40evil.example%2Cy@example.com', 'a%zz@example.com', 'a?cc=b@example.com', 'ü@example.com']) {
      assert.equal(mailtoAddress(mailtoUrl(address)), address, address);
    }
  });
});
