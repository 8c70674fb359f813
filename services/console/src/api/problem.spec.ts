import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { problemView } from './problem';

describe('problemView', () => {
  const cases: { name: string; status: number; body: unknown; message: string; errors?: Record<string, unknown> }[] = [
    {
      name: 'field errors go to their fields, the detail to root',
      status: 400,
      body: { type: 'https://hookline.dev/problems/validation', title: 'Invalid request', detail: 'name: name should not be empty', errors: [{ field: 'name', message: 'name should not be empty' }, { field: 'grants.0.actions', message: 'each action must be one of …' }] },
      message: 'name: name should not be empty',
      errors: { name: 'name should not be empty', 'grants.0.actions': 'each action must be one of …', root: { serverError: 'name: name should not be empty' } },
    },
    { name: 'a problem without fields: its detail', status: 403, body: { title: 'Forbidden', detail: 'this endpoint needs the units:read permission' }, message: 'this endpoint needs the units:read permission' },
    { name: 'no detail: the title', status: 404, body: { title: 'Not found' }, message: 'Not found' },
    { name: 'not JSON: the text', status: 502, body: 'Bad gateway', message: 'Bad gateway' },
    { name: 'nothing at all: the status', status: 503, body: '', message: 'HTTP 503' },
    { name: 'malformed errors are left out', status: 400, body: { detail: 'x', errors: [{ field: 1 }, 'y'] }, message: 'x' },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const v = problemView(c.status, c.body);
      assert.equal(v.message, c.message);
      assert.equal(v.status, c.status);
      assert.deepEqual(v.body.errors, c.errors);
    });
  }
});
