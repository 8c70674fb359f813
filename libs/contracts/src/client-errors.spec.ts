import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { clientErrorAnswer } from './client-errors';

describe('answers to requests the HTTP parser refuses', () => {
  const table: [string | undefined, number | undefined][] = [
    ['HPE_HEADER_OVERFLOW', 431],
    ['HPE_INVALID_METHOD', 400],
    ['HPE_INVALID_HEADER_TOKEN', 400],
    [undefined, 400],
    ['ERR_HTTP_REQUEST_TIMEOUT', 408],
    ['ECONNRESET', undefined],
  ];
  for (const [code, status] of table) it(`${code ?? '(no code)'} -> ${status ?? 'no answer'}`, () => assert.equal(clientErrorAnswer(code)?.status, status));
});
