import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { singleRecipient } from './mail-recipient';

describe('the one recipient of an e-mail delivery', () => {
  for (const a of ['integrations@lab.example', "o'neil+hookline@lab.example", 'ærø@exämple.example']) {
    it(`sends to ${a}`, () => assert.deepEqual(singleRecipient(a), { ok: true, address: a }));
  }
  const refused: [string, string][] = [
    ['two addresses (a decoded x%40evil.example%2Cy@example.com)', 'x@evil.example,y@example.com'],
    ['a list with ;', 'a@lab.example;b@evil.example'],
    ['a quoted line break nodemailer would fold into another mailbox', '"a\r\nb"@example.com'],
    ['a display name', 'Lab <a@lab.example>'],
    ['a comment', 'a@lab.example (b@evil.example)'],
    ['nothing', ''],
  ];
  for (const [name, a] of refused) {
    it(`refuses ${name}`, () => {
      const r = singleRecipient(a);
      assert.equal(r.ok, false);
    });
  }
});
