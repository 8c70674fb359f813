import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { routeFor } from './routes';

describe('routeFor', () => {
  const table: [string, string | undefined][] = [
    ['/v1/events', 'registry'],
    ['/v1/audit/events', 'audit-log'],
    ['/v1/deliveries/abc', 'audit-log'],
    ['/hooks/l-1', 'webhook-listener'],
    ['/v1/listener-records/0196f3a2-7c1e-7d2a-9b3c-1a2b3c4d5e6f', 'webhook-listener'],
    ['/v1/listener-logs', 'webhook-listener'],
    ['/v1/listeners', 'registry'],
    ['/v1/listener-services', 'registry'],
    ['/.well-known/jwks.json', 'registry'],
    ['/oauth/token', 'registry'],
    ['/v1/integrations/buttons', 'registry'],
    ['/v1/integration-jobs/abc/events', 'audit-log'],
    ['/v1/integration-log', 'audit-log'],
    ['/integration-buttons/hookline-integrations.js', 'registry'],
    ['/console', 'registry'],
    ['/console/assets/index-1a2b.js', 'registry'],
    ['/nothing', undefined],
  ];
  for (const [path, svc] of table) it(`${path} -> ${svc}`, () => assert.equal(routeFor(path), svc));
});
