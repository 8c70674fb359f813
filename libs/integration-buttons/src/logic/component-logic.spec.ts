import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { INTEGRATION_ERRORS, integrationErrorForTrigger } from '@hookline/contracts';
import { acceptsReload, apiUrl, errorOfRefusal, KNOWN_ERRORS, notices, parseObjectIds, presentation, SseParser, triggerError } from './component-logic';

describe('component logic', () => {
  it('one integration is a button, several a dropdown, none nothing', () => {
    assert.deepEqual([0, 1, 2, 5].map(presentation), ['none', 'button', 'dropdown', 'dropdown']);
  });

  it('maps trigger failures exactly as the platform does (the same list and function as @hookline/contracts)', () => {
    assert.deepEqual([...KNOWN_ERRORS], [...INTEGRATION_ERRORS]);
    for (const s of ['network', 200, 400, 401, 403, 404, 408, 409, 413, 415, 422, 429, 500, 502, 503, 504] as const) assert.equal(triggerError(s), integrationErrorForTrigger(s), String(s));
  });

  it('prefers the error a refusal names', () => {
    assert.equal(errorOfRefusal(503, { integrationError: 'Connection error' }), 'Connection error');
    assert.equal(errorOfRefusal(400, { integrationError: 'Data error' }), 'Data error');
    assert.equal(errorOfRefusal(400, { integrationError: 'made up' }), 'Data error');
    assert.equal(errorOfRefusal(502, null), 'Connection error');
  });

  it('says what the seed says', () => {
    assert.deepEqual(notices.failed('Integration error'), { kind: 'error', text: 'Integration request failed (Integration error)' });
    assert.equal(notices.scheduled('CRM').kind, 'info');
    assert.equal(notices.succeeded('CRM').kind, 'success');
  });

  it('reads object ids from an attribute', () => {
    assert.deepEqual(parseObjectIds(' 3, 1 2,,'), ['3', '1', '2']);
    assert.deepEqual(parseObjectIds(null), []);
  });

  it('reloads only for "reload" from a window it opened, at the origin it opened', () => {
    const mine = { name: 'popup' };
    const frame = { name: 'frame' };
    const opened = [
      { window: mine, origin: 'http://127.0.0.1:9001' },
      { window: frame, origin: 'https://panel.example' },
    ];
    const table: [string, { data: unknown; origin: string; source: unknown }, boolean][] = [
      ['reload from the popup', { data: 'reload', origin: 'http://127.0.0.1:9001', source: mine }, true],
      ['reload from the side panel frame', { data: 'reload', origin: 'https://panel.example', source: frame }, true],
      ['reload from a foreign origin in the same window (it navigated away)', { data: 'reload', origin: 'http://evil.example', source: mine }, false],
      ['reload from a window it did not open', { data: 'reload', origin: 'http://127.0.0.1:9001', source: { name: 'other' } }, false],
      ['the right origin posing as another window', { data: 'reload', origin: 'https://panel.example', source: mine }, false],
      ['another message', { data: 'refresh', origin: 'http://127.0.0.1:9001', source: mine }, false],
      ['an object', { data: { command: 'reload' }, origin: 'http://127.0.0.1:9001', source: mine }, false],
    ];
    for (const [name, event, ok] of table) assert.equal(acceptsReload(event, opened), ok, name);
  });

  it('joins API paths to the base URL', () => {
    assert.equal(apiUrl('http://h:8080/', '/v1/x'), 'http://h:8080/v1/x');
    assert.equal(apiUrl('http://h:8080', 'v1/x'), 'http://h:8080/v1/x');
    assert.equal(apiUrl('http://h:8080', 'https://other/v1/x'), 'https://other/v1/x');
  });

  it('parses Server-Sent Events split anywhere', () => {
    const p = new SseParser();
    const text = ': hello\n\nevent: state\nid: 1\ndata: {"state":"scheduled"}\n\nevent: state\ndata: {"state":\ndata: "failed"}\r\n\r\n';
    const out = [];
    for (let i = 0; i < text.length; i += 7) out.push(...p.feed(text.slice(i, i + 7)));
    assert.deepEqual(out, [
      { event: 'state', data: '{"state":"scheduled"}', id: '1' },
      { event: 'state', data: '{"state":\n"failed"}', id: '1' },
    ]);
  });
});
