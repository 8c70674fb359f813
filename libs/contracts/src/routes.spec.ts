import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { routeFor } from './routes';

describe('routeFor', () => {
  const table: [string, string | undefined][] = [
    ['/v1/events', 'registry'],
    ['/v1/audit/events', 'audit-log'],
    ['/v1/deliveries/abc', 'audit-log'],
    ['/hooks/l-1', 'webhook-listener'],
    ['/.well-known/jwks.json', 'registry'],
    ['/oauth/token', 'registry'],
    ['/v1/integrations/buttons', 'registry'],
    ['/v1/integration-jobs/abc/events', 'audit-log'],
    ['/v1/integration-log', 'audit-log'],
    ['/integration-buttons/hookline-integrations.js', 'registry'],
    ['/nothing', undefined],
  ];
  for (const [path, svc] of table) it(`${path} -> ${svc}`, () => assert.equal(routeFor(path), svc));
});
