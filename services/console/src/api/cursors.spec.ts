import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CursorBook, listKey } from './cursors';

describe('CursorBook', () => {
  it('walks forward with the cursors the API handed out, and back', () => {
    const book = new CursorBook();
    const k = listKey('receivers', {}, 2);
    assert.equal(book.cursorFor(k, 1), null);
    assert.equal(book.cursorFor(k, 2), undefined, 'a page never reached');
    book.remember(k, 1, 'c2');
    book.remember(k, 2, 'c3');
    assert.equal(book.cursorFor(k, 2), 'c2');
    assert.equal(book.cursorFor(k, 3), 'c3');
    assert.equal(book.cursorFor(k, 1), null);
    book.remember(k, 2, null);
    assert.equal(book.cursorFor(k, 3), undefined, 'the last page has no next');
  });

  it('keeps lists with other filters or page sizes apart', () => {
    const book = new CursorBook();
    book.remember(listKey('deliveries', { status: 'failed' }, 50), 1, 'x');
    assert.equal(book.cursorFor(listKey('deliveries', { status: 'succeeded' }, 50), 2), undefined);
    assert.equal(book.cursorFor(listKey('deliveries', { status: 'failed' }, 25), 2), undefined);
    assert.equal(book.cursorFor(listKey('deliveries', { status: 'failed' }, 50), 2), 'x');
  });

  it('a filter is the same whatever the order of its keys', () => {
    assert.equal(listKey('d', { a: 1, b: 2 }, 10), listKey('d', { b: 2, a: 1 }, 10));
  });
});
